import BulwarkFiles
import BulwarkHTTP
import BulwarkJSON
import BulwarkYAML
import Foundation

/// How to authenticate to Keystone v3, from a provider file, `clouds.yaml` (`OS_CLOUD`)
/// or `OS_*` variables. Never printed: `description` hides the secrets.
public struct OpenStackCredentials: Sendable, CustomStringConvertible {
    public enum Method: Sendable {
        case password(username: String, password: String, userDomain: String)
        case applicationCredential(id: String, secret: String)
    }

    public var authURL: String
    public var method: Method
    public var projectName: String?
    public var projectID: String?
    public var projectDomain: String
    public var region: String?
    /// public, internal or admin.
    public var interface: String
    public var tls: TLSOptions

    public init(authURL: String, method: Method, projectName: String? = nil, projectID: String? = nil, projectDomain: String = "Default",
                region: String? = nil, interface: String = "public", tls: TLSOptions = TLSOptions()) {
        self.authURL = Self.versioned(authURL)
        self.method = method
        self.projectName = projectName
        self.projectID = projectID
        self.projectDomain = projectDomain
        self.region = region
        self.interface = interface
        self.tls = tls
    }

    public var description: String {
        switch method {
        case .password(let user, _, let domain): "\(user)@\(domain) at \(HTTPError.redact(authURL))"
        case .applicationCredential(let id, _): "application credential \(id) at \(HTTPError.redact(authURL))"
        }
    }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// From the `auth`-style keys of a provider file or a clouds.yaml cloud:
    /// `auth_url`, `username`/`password` (+ `user_domain_name`) or
    /// `application_credential_id`/`application_credential_secret`, `project_name` /
    /// `project_id`, `project_domain_name`; and beside `auth`: `region_name`,
    /// `interface`, `cacert`, `verify` (false: skip TLS verification).
    public static func from(json cloud: JSON, origin: String) throws(Invalid) -> OpenStackCredentials {
        let auth = cloud["auth"] ?? cloud
        func string(_ key: String) -> String? { auth[key]?.stringValue ?? cloud[key]?.stringValue }
        guard let url = string("auth_url") else { throw Invalid(description: "\(origin): auth_url is missing") }
        let method: Method
        if let id = string("application_credential_id"), let secret = string("application_credential_secret") {
            method = .applicationCredential(id: id, secret: secret)
        } else if let user = string("username"), let password = string("password") {
            method = .password(username: user, password: password, userDomain: string("user_domain_name") ?? "Default")
        } else {
            throw Invalid(description: "\(origin): give username and password, or application_credential_id and application_credential_secret")
        }
        let verify = cloud["verify"]?.boolValue ?? true
        return OpenStackCredentials(authURL: url, method: method, projectName: string("project_name"), projectID: string("project_id"),
                                    projectDomain: string("project_domain_name") ?? "Default", region: string("region_name"),
                                    interface: string("interface") ?? "public",
                                    tls: TLSOptions(caFile: cloud["cacert"]?.stringValue, insecureSkipVerify: !verify))
    }

    /// From `OS_*` variables (`OS_AUTH_URL`, `OS_USERNAME`, `OS_PASSWORD`, ...), or from
    /// `clouds.yaml` when `OS_CLOUD` names a cloud (searched in ./clouds.yaml,
    /// ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) -> OpenStackCredentials {
        if let cloud = environment["OS_CLOUD"], !cloud.isEmpty {
            let home = environment["HOME"] ?? NSHomeDirectory()
            let candidates = [environment["OS_CLIENT_CONFIG_FILE"], "clouds.yaml", home + "/.config/openstack/clouds.yaml", "/etc/openstack/clouds.yaml"]
            for path in candidates.compactMap({ $0 }) where FileManager.default.fileExists(atPath: path) {
                return try fromCloudsYAML(path, cloud: cloud)
            }
            throw Invalid(description: "OS_CLOUD=\(cloud), but no clouds.yaml was found")
        }
        var auth = JSONObject()
        for (variable, key) in [("OS_AUTH_URL", "auth_url"), ("OS_USERNAME", "username"), ("OS_PASSWORD", "password"),
                                ("OS_USER_DOMAIN_NAME", "user_domain_name"), ("OS_PROJECT_NAME", "project_name"),
                                ("OS_PROJECT_ID", "project_id"), ("OS_PROJECT_DOMAIN_NAME", "project_domain_name"),
                                ("OS_APPLICATION_CREDENTIAL_ID", "application_credential_id"),
                                ("OS_APPLICATION_CREDENTIAL_SECRET", "application_credential_secret")] {
            if let value = environment[variable], !value.isEmpty { auth[key] = .string(value) }
        }
        var cloud = JSONObject([("auth", .object(auth))])
        if let region = environment["OS_REGION_NAME"] { cloud["region_name"] = .string(region) }
        if let interface = environment["OS_INTERFACE"] { cloud["interface"] = .string(interface) }
        if let ca = environment["OS_CACERT"] { cloud["cacert"] = .string(ca) }
        return try from(json: .object(cloud), origin: "OS_* variables")
    }

    public static func fromCloudsYAML(_ path: String, cloud name: String) throws(Invalid) -> OpenStackCredentials {
        let text: String
        do { text = try RegularFile.text(path) } catch { throw Invalid(description: "\(path): cannot read the file: \(error)") }
        let document: YAMLDocument
        do { document = try YAMLDocument.parse(text) } catch {
            throw Invalid(description: "\(path): \(error)")
        }
        guard let cloud = document.json["clouds"]?[name] else {
            let known = document.json["clouds"]?.objectValue?.keys.joined(separator: ", ") ?? "none"
            throw Invalid(description: "\(path): no cloud \(name) (clouds: \(known))")
        }
        return try from(json: cloud, origin: "\(path) cloud \(name)")
    }

    /// Keystone's v3 endpoint for an auth URL given with or without the version.
    static func versioned(_ url: String) -> String {
        var u = url.hasSuffix("/") ? String(url.dropLast()) : url
        if !u.hasSuffix("/v3") { u += "/v3" }
        return u
    }
}

extension OpenStackCredentials {
    /// As a plugin's options give them: inline clouds.yaml-style keys (`auth`, `region_name`,
    /// ...), or `cloud` (with `clouds_file`, else the usual clouds.yaml places), or else the
    /// `OS_*` variables.
    public static func from(options: JSON, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) -> OpenStackCredentials {
        if options["auth"] != nil { return try from(json: options, origin: "plugin options") }
        if let cloud = options["cloud"]?.stringValue {
            if let file = options["clouds_file"]?.stringValue { return try fromCloudsYAML(file, cloud: cloud) }
            var env = environment
            env["OS_CLOUD"] = cloud
            return try fromEnvironment(env)
        }
        return try fromEnvironment(environment)
    }
}
