import BulwarkCore
import BulwarkJSON
import BulwarkSchema
import Foundation

/// The configuration of `bulwark serve`, read from YAML or JSON and validated against
/// schemas/serve.schema.json (errors name the file, line and column).
public struct ServiceConfig: Sendable {
    public struct Keystone: Sendable {
        public var authURL: String
        public var username: String
        public var password: String
        public var projectName: String
        public var userDomainName: String
        public var projectDomainName: String
        public var caFile: String?
        public var cacheSeconds: Int
        public var cacheEntries: Int
        public var adminRoles: Set<String>
    }
    public enum AuthMode: Sendable {
        case noauth
        case keystone(Keystone)
    }

    public var file: String
    public var host: String
    public var port: Int
    public var allowPlainHTTP: Bool
    public var tls: (certificate: String, key: String)?
    public var providersDirectory: String
    public var onlyProviders: [String]?
    public var catalogPath: String
    public var auth: AuthMode
    public var operationsLimit: Int
    public var operationsPerProvider: Int
    public var requestBodyBytes: Int
    public var plansQuota: Int
    public var shutdownGrace: Double
    public var schedulerEnabled: Bool
    public var minimumInterval: Int64
    public var logLevel: String

    public static var publishedSchema: JSON { (try? JSON.parse(ServeSchema.text)) ?? .null }

    static let schema: JSONSchema = {
        do { return try JSONSchema(text: ServeSchema.text) } catch { fatalError("the built-in service schema does not compile: \(error)") }
    }()

    public static func read(_ path: String) throws(ConfigError) -> ServiceConfig {
        let file = try ConfigFile.read(path, schema: schema)
        let o = file.json
        func string(_ value: JSON?, _ fallback: String) -> String { value?.stringValue ?? fallback }
        func int(_ value: JSON?, _ fallback: Int) -> Int { value?.numberValue?.intValue ?? fallback }
        var auth = AuthMode.noauth
        if o["auth"]?["mode"]?.stringValue == "keystone", let k = o["auth"]?["keystone"] {
            auth = .keystone(Keystone(
                authURL: string(k["auth_url"], ""), username: string(k["username"], ""), password: string(k["password"], ""),
                projectName: string(k["project_name"], ""), userDomainName: string(k["user_domain_name"], "Default"),
                projectDomainName: string(k["project_domain_name"], "Default"), caFile: k["ca_file"]?.stringValue,
                cacheSeconds: int(k["cache_seconds"], 60), cacheEntries: int(k["cache_entries"], 10000),
                adminRoles: Set((k["admin_roles"]?.arrayValue ?? ["admin"]).compactMap(\.stringValue))))
        }
        var tls: (String, String)?
        if let t = o["tls"] { tls = (string(t["certificate"], ""), string(t["key"], "")) }
        let config = ServiceConfig(
            file: path, host: string(o["listen"]?["host"], "127.0.0.1"), port: int(o["listen"]?["port"], 8799),
            allowPlainHTTP: o["listen"]?["allow_plain_http"]?.boolValue ?? false, tls: tls,
            providersDirectory: string(o["providers"]?["directory"], "providers"),
            onlyProviders: o["providers"]?["only"]?.arrayValue?.compactMap(\.stringValue),
            catalogPath: o["catalog"]?["path"]?.stringValue ?? SQLiteCatalog.defaultPath(), auth: auth,
            operationsLimit: int(o["limits"]?["operations"], 16), operationsPerProvider: int(o["limits"]?["operations_per_provider"], 8),
            requestBodyBytes: int(o["limits"]?["request_body_bytes"], 1 << 20), plansQuota: int(o["limits"]?["plans_per_project"], 50),
            shutdownGrace: o["shutdown_grace_seconds"]?.numberValue?.doubleValue ?? 60,
            schedulerEnabled: o["scheduler"]?["enabled"]?.boolValue ?? true,
            minimumInterval: Int64(int(o["scheduler"]?["minimum_interval_seconds"], 3600)), logLevel: string(o["log_level"], "info"))
        if config.tls == nil, !config.allowPlainHTTP, !Self.isLoopback(config.host) {
            throw file.error(at: "/listen/host", "plain HTTP on \(config.host) would send tokens in the clear: listen on a loopback address, configure tls, or set listen.allow_plain_http: true")
        }
        return config
    }

    /// 127.0.0.0/8, ::1 and localhost.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
