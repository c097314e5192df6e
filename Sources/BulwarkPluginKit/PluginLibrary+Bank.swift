internal import CBulwarkPlugin
import Glibc

func makeBank(_ type: any BankPlugin.Type, _ host: UnsafePointer<bulwark_host>) -> UnsafePointer<bulwark_bank> {
    let p = UnsafeMutablePointer<bulwark_bank>.allocate(capacity: 1)
    p.initialize(to: bulwark_bank())
    p.pointee.struct_size = MemoryLayout<bulwark_bank>.size
    p.pointee.name = cString(type.name)
    p.pointee.aliases = cStringList(type.aliases)
    p.pointee.config_schema = cString(type.configSchema)
    p.pointee.plugin_data = Unmanaged.passRetained(TypeBox<any BankPlugin.Type>(type, host)).toOpaque()
    p.pointee.create = { call, pluginData, config, instance in
        createInstance(call, pluginData, config, instance) { (type: any BankPlugin.Type, configuration, context, host) in
            InstanceBox(bank: try type.init(configuration: configuration, context: context), host: host)
        }
    }
    p.pointee.destroy = { destroyInstance($0) }
    p.pointee.put = { call, instance, key, data, length in
        withBank(call, instance) { bank in
            try bank.put(String(cString: key!), UnsafeRawBufferPointer(start: data, count: length))
            return nil
        }
    }
    p.pointee.writer_open = { call, instance, key, writerOut in
        openWriter(call, instance, writerOut) { bank in try bank.openWriter(String(cString: key!)) }
    }
    p.pointee.writer_open_sized = { call, instance, key, size, writerOut in
        openWriter(call, instance, writerOut) { bank in try bank.openWriter(String(cString: key!), size: size) }
    }
    p.pointee.writer_append = { call, writer, data, length in
        let box = InstanceBox.from(writer)
        return guarded(call, box.host) {
            try box.writer!.append(UnsafeRawBufferPointer(start: data, count: length))
        }
    }
    p.pointee.writer_commit = { call, writer in
        let box = Unmanaged<InstanceBox>.fromOpaque(writer!).takeRetainedValue()
        return guarded(call, box.host) { try box.writer!.commit() }
    }
    p.pointee.writer_abort = { writer in
        guard let writer else { return }
        let box = Unmanaged<InstanceBox>.fromOpaque(writer).takeRetainedValue()
        box.writer!.abort()
    }
    p.pointee.get = { call, instance, key, offset, length in
        let box = InstanceBox.from(instance)
        return guarded(call, box.host) {
            let bytes = try box.bank!.get(String(cString: key!), offset: offset, length: length)
            _ = bytes.withUnsafeBufferPointer { box.host.pointee.result_append(call, $0.baseAddress, $0.count) }
        }
    }
    p.pointee.head = { call, instance, key in
        withBank(call, instance) { bank in
            ["size": .number(JSONNumber(Int64(try bank.size(String(cString: key!)))))]
        }
    }
    p.pointee.list = { call, instance, prefix, marker, limit, sort in
        withBank(call, instance) { bank in
            let keys = try bank.list(prefix: prefix.map { String(cString: $0) } ?? "",
                                     marker: marker.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 },
                                     limit: Int(limit), descending: sort == BULWARK_SORT_DESC)
            return .array(keys.map { .string($0) })
        }
    }
    p.pointee.delete_ = { call, instance, key in
        withBank(call, instance) { bank in
            try bank.delete(String(cString: key!))
            return nil
        }
    }
    p.pointee.lease_acquire = { call, instance, lease, owner, ttl in
        withBank(call, instance) { bank in
            try bank.acquireLease(String(cString: lease!), owner: String(cString: owner!), ttl: ttl)
            return nil
        }
    }
    p.pointee.lease_renew = { call, instance, lease, owner, ttl in
        withBank(call, instance) { bank in
            try bank.renewLease(String(cString: lease!), owner: String(cString: owner!), ttl: ttl)
            return nil
        }
    }
    p.pointee.lease_check = { call, instance, lease in
        withBank(call, instance) { bank in
            guard let info = try bank.checkLease(String(cString: lease!)) else {
                throw PluginError.notFound("no lease \(String(cString: lease!))")
            }
            return ["owner": .string(info.owner), "expires_at": .number(JSONNumber(info.expiresAt)),
                    "valid": .bool(info.expiresAt > currentUnixTime())]
        }
    }
    p.pointee.lease_release = { call, instance, lease, owner in
        withBank(call, instance) { bank in
            try bank.releaseLease(String(cString: lease!), owner: String(cString: owner!))
            return nil
        }
    }
    return UnsafePointer(p)
}

private func withBank(_ call: OpaquePointer?, _ instance: UnsafeMutableRawPointer?,
                      _ body: (any BankPlugin) throws -> JSON?) -> bulwark_status {
    let box = InstanceBox.from(instance)
    return guarded(call, box.host) {
        if let result = try body(box.bank!) { appendResult(call, box.host, result) }
    }
}

/// Seconds since 1970, from the system clock (leases are wall-clock by nature: they are
/// compared across processes).
public func currentUnixTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// writer_open(_sized): the writer `open` gives, boxed with the host for its later calls.
private func openWriter(_ call: OpaquePointer?, _ instance: UnsafeMutableRawPointer?,
                        _ writerOut: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                        _ open: (any BankPlugin) throws -> any BankObjectWriter) -> bulwark_status {
    withBank(call, instance) { bank in
        let box = InstanceBox.from(instance)
        writerOut?.pointee = Unmanaged.passRetained(InstanceBox(writer: try open(bank), host: box.host)).toOpaque()
        return nil
    }
}
