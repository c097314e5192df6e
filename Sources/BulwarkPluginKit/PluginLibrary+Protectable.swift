internal import CBulwarkPlugin

func makeProtectable(_ type: any Protectable.Type, _ host: UnsafePointer<bulwark_host>) -> UnsafePointer<bulwark_protectable> {
    let p = UnsafeMutablePointer<bulwark_protectable>.allocate(capacity: 1)
    p.initialize(to: bulwark_protectable())
    p.pointee.struct_size = MemoryLayout<bulwark_protectable>.size
    p.pointee.resource_type = cString(type.resourceType)
    p.pointee.parent_types = cStringList(type.parentTypes)
    p.pointee.config_schema = cString(type.configSchema)
    p.pointee.plugin_data = Unmanaged.passRetained(TypeBox<any Protectable.Type>(type, host)).toOpaque()
    p.pointee.create = { call, pluginData, config, instance in
        createInstance(call, pluginData, config, instance) { (type: any Protectable.Type, configuration, context, host) in
            InstanceBox(protectable: try type.init(configuration: configuration, context: context), host: host)
        }
    }
    p.pointee.destroy = { destroyInstance($0) }
    p.pointee.list_resources = { call, instance, parameters in
        withProtectable(call, instance) { plugin, context in
            let resources = try plugin.listResources(parameters: try parseArgument(parameters, "the parameters"), context: context)
            return .array(resources.map(\.json))
        }
    }
    p.pointee.show_resource = { call, instance, id in
        withProtectable(call, instance) { plugin, context in
            try plugin.showResource(id: String(cString: id!), context: context).json
        }
    }
    p.pointee.get_dependent_resources = { call, instance, parent in
        withProtectable(call, instance) { plugin, context in
            let parent = try Resource(json: try parseArgument(parent, "the parent resource"))
            return .array(try plugin.dependentResources(of: parent, context: context).map(\.json))
        }
    }
    return UnsafePointer(p)
}

private func withProtectable(_ call: OpaquePointer?, _ instance: UnsafeMutableRawPointer?,
                             _ body: (any Protectable, borrowing PluginContext) throws -> JSON) -> bulwark_status {
    let box = InstanceBox.from(instance)
    return guarded(call, box.host) {
        let context = PluginContext(call: call, host: box.host)
        appendResult(call, box.host, try body(box.protectable!, context))
    }
}
