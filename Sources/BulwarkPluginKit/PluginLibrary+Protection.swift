internal import CBulwarkPlugin

func makeProtection(_ type: any ProtectionPlugin.Type, _ host: UnsafePointer<bulwark_host>) -> UnsafePointer<bulwark_protection> {
    let p = UnsafeMutablePointer<bulwark_protection>.allocate(capacity: 1)
    p.initialize(to: bulwark_protection())
    p.pointee.struct_size = MemoryLayout<bulwark_protection>.size
    p.pointee.name = cString(type.name)
    p.pointee.aliases = cStringList(type.aliases)
    p.pointee.resource_types = cStringList(type.resourceTypes)
    var schemas = JSONObject()
    for (resourceType, s) in type.schemas.sorted(by: { $0.key < $1.key }) { schemas[resourceType] = s.json }
    p.pointee.schemas_json = cString(JSON.object(schemas).serialized())
    p.pointee.config_schema = cString(type.configSchema)
    p.pointee.plugin_data = Unmanaged.passRetained(TypeBox<any ProtectionPlugin.Type>(type, host)).toOpaque()
    p.pointee.create = { call, pluginData, config, instance in
        createInstance(call, pluginData, config, instance) { (type: any ProtectionPlugin.Type, configuration, context, host) in
            InstanceBox(protection: try type.init(configuration: configuration, context: context), host: host)
        }
    }
    p.pointee.destroy = { destroyInstance($0) }
    let operations = type.operations
    p.pointee.protect = makeOperation(operations[.protect], .protect)
    p.pointee.restore = makeOperation(operations[.restore], .restore)
    p.pointee.delete_ = makeOperation(operations[.delete], .delete)
    p.pointee.verify = makeOperation(operations[.verify], .verify)
    return UnsafePointer(p)
}

/// C function pointers cannot capture, so each (operation, hook) pair gets its own thunk.
private func makeOperation(_ hooks: Set<Hook>?, _ kind: OperationKind) -> UnsafePointer<bulwark_operation>? {
    guard let hooks, !hooks.isEmpty else { return nil }
    let o = UnsafeMutablePointer<bulwark_operation>.allocate(capacity: 1)
    o.initialize(to: bulwark_operation())
    o.pointee.struct_size = MemoryLayout<bulwark_operation>.size
    let thunks = hookThunks[kind]!
    if hooks.contains(.prepareBegin) { o.pointee.on_prepare_begin = thunks.0 }
    if hooks.contains(.prepareFinish) { o.pointee.on_prepare_finish = thunks.1 }
    if hooks.contains(.main) { o.pointee.on_main = thunks.2 }
    if hooks.contains(.complete) { o.pointee.on_complete = thunks.3 }
    return UnsafePointer(o)
}

private typealias HookThunks = (bulwark_hook_fn, bulwark_hook_fn, bulwark_hook_fn, bulwark_hook_fn)

private let hookThunks: [OperationKind: HookThunks] = [
    .protect: (
        { runHook(.protect, .prepareBegin, $0, $1, $2) }, { runHook(.protect, .prepareFinish, $0, $1, $2) },
        { runHook(.protect, .main, $0, $1, $2) }, { runHook(.protect, .complete, $0, $1, $2) }
    ),
    .restore: (
        { runHook(.restore, .prepareBegin, $0, $1, $2) }, { runHook(.restore, .prepareFinish, $0, $1, $2) },
        { runHook(.restore, .main, $0, $1, $2) }, { runHook(.restore, .complete, $0, $1, $2) }
    ),
    .delete: (
        { runHook(.delete, .prepareBegin, $0, $1, $2) }, { runHook(.delete, .prepareFinish, $0, $1, $2) },
        { runHook(.delete, .main, $0, $1, $2) }, { runHook(.delete, .complete, $0, $1, $2) }
    ),
    .verify: (
        { runHook(.verify, .prepareBegin, $0, $1, $2) }, { runHook(.verify, .prepareFinish, $0, $1, $2) },
        { runHook(.verify, .main, $0, $1, $2) }, { runHook(.verify, .complete, $0, $1, $2) }
    ),
]

private func runHook(_ kind: OperationKind, _ hook: Hook, _ call: OpaquePointer?, _ instance: UnsafeMutableRawPointer?,
                     _ args: UnsafePointer<bulwark_hook_args>?) -> bulwark_status {
    let box = InstanceBox.from(instance)
    return guarded(call, box.host) {
        guard let args else { throw PluginError.invalidArgument("no hook arguments") }
        let a = args.pointee
        func string(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
        let input = HookInput(
            resource: try Resource(json: try parseArgument(a.resource_json, "the resource")),
            parameters: try parseArgument(a.parameters_json, "the parameters"),
            checkpointID: string(a.checkpoint_id),
            providerID: string(a.provider_id),
            restoreID: a.restore_id.map { String(cString: $0) },
            checkpointText: a.checkpoint_json.map { String(cString: $0) } ?? "{}",
            // A host older than ABI 1.2 passes a shorter struct without restore_json.
            restoreText: a.struct_size >= MemoryLayout<bulwark_hook_args>.size ? a.restore_json.map { String(cString: $0) } : nil)
        let context = PluginContext(call: call, host: box.host)
        try box.protection!.run(kind, hook, input: input, context: context)
    }
}
