import BulwarkJSON

/// The API's provider ids. python-karborclient refuses a provider id that is not a UUID
/// (Karbor's were), while Bulwark's providers are named by their files' `id` (`demo`).
/// So each provider is also known by a UUID derived from its id: version 8 ("custom",
/// RFC 9562) from two 64-bit FNV-1a hashes of `bulwark-provider:<id>`, the same on every
/// server and every start. Answers show the UUID; requests may use either.
struct ProviderIDs: Sendable {
    private let byUUID: [String: String]
    private let uuidOf: [String: String]

    init(_ ids: [String]) {
        var byUUID: [String: String] = [:]
        var uuidOf: [String: String] = [:]
        for id in ids {
            let uuid = Self.uuid(for: id)
            byUUID[uuid] = id
            uuidOf[id] = uuid
        }
        self.byUUID = byUUID
        self.uuidOf = uuidOf
    }

    static func uuid(for id: String) -> String {
        func fnv(_ seed: UInt64) -> UInt64 {
            var h = seed
            for b in "bulwark-provider:\(id)".utf8 {
                h ^= UInt64(b)
                h = h &* 0x100000001b3
            }
            return h
        }
        var hi = fnv(0xcbf29ce484222325)
        var lo = fnv(0x84222325cbf29ce4)
        hi = (hi & ~0xF000) | 0x8000  // version 8
        lo = (lo & ~(0xC << 60)) | (0x8 << 60)  // variant 10
        let hex = String(hi, radix: 16).leftPadded(16) + String(lo, radix: 16).leftPadded(16)
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }

    /// The provider's own id for an API id (its UUID or its own id).
    func native(_ id: String) -> String { byUUID[id.lowercased()] ?? id }

    /// The id answers show.
    func api(_ native: String) -> String { uuidOf[native] ?? native }

    /// `json` with its `provider_id` (and its `protection_plan`'s) as the API shows them.
    func shown(_ json: JSON) -> JSON {
        guard case .object(var o) = json else { return json }
        if let id = o["provider_id"]?.stringValue { o["provider_id"] = .string(api(id)) }
        if case .object(var plan)? = o["protection_plan"], let id = plan["provider_id"]?.stringValue {
            plan["provider_id"] = .string(api(id))
            o["protection_plan"] = .object(plan)
        }
        return .object(o)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
