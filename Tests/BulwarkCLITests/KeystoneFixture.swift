import BulwarkHTTP
import BulwarkJSON
import BulwarkOpenStack
import Foundation
import Testing

/// Projects, users and tokens of the real test Keystone (127.0.0.1:5000, admin/secret),
/// each test's own, so that tests running at once never share them.
struct KeystoneFixture {
    static let url = "http://127.0.0.1:5000/v3"
    let admin = KeystoneSession(credentials: OpenStackCredentials(
        authURL: url, method: .password(username: "admin", password: "secret", userDomain: "Default"), projectName: "admin"))
    let suffix = String(UUID().uuidString.prefix(8)).lowercased()

    func call(_ method: String, _ path: String, _ body: JSON? = nil, headers: [(String, String)] = []) throws -> JSON {
        let r = try admin.send(HTTPRequest(method: method, url: Self.url + path, headers: [("Content-Type", "application/json")] + headers,
                                           body: body?.serializedBytes()))
        return r.body.isEmpty ? .null : try JSON.parse(bytes: r.body)
    }

    func project(_ name: String) throws -> String {
        try #require(try call("POST", "/projects", ["project": ["name": .string("bulwark-\(name)-\(suffix)"), "domain_id": "default"]])["project"]?["id"]?.stringValue)
    }

    /// A user with `role` on `project`; returns its name (the password is "pw-<name>").
    func user(_ name: String, project: String, role: String) throws -> String {
        let full = "bulwark-\(name)-\(suffix)"
        let id = try #require(try call("POST", "/users", ["user": ["name": .string(full), "password": .string("pw-" + full),
                                                                   "domain_id": "default", "default_project_id": .string(project)]])["user"]?["id"]?.stringValue)
        let roleID = try #require(try call("GET", "/roles?name=\(role)")["roles"]?[0]?["id"]?.stringValue, "Keystone has no role \(role)")
        _ = try call("PUT", "/projects/\(project)/users/\(id)/roles/\(roleID)")
        return full
    }

    /// A token of `user` (password `pw-<user>` unless given) scoped to `project`.
    func token(_ user: String, password: String? = nil, project: String) throws -> String {
        let body: JSON = ["auth": ["identity": ["methods": ["password"], "password": ["user": [
            "name": .string(user), "domain": ["id": "default"], "password": .string(password ?? "pw-" + user)]]],
                                   "scope": ["project": ["id": .string(project)]]]]
        let r = try HTTPClient().send(HTTPRequest(method: "POST", url: Self.url + "/auth/tokens", headers: [("Content-Type", "application/json")],
                                                  body: body.serializedBytes()))
        return try #require(r.header("X-Subject-Token"))
    }

    func revoke(_ token: String) throws {
        _ = try call("DELETE", "/auth/tokens", headers: [("X-Subject-Token", token)])
    }

    /// The service's auth section: the admin's own credentials validate callers' tokens.
    func serviceAuth(cacheSeconds: Int) -> String {
        """
        auth:
          mode: keystone
          keystone: {auth_url: "\(Self.url)", username: admin, password: secret, project_name: admin, cache_seconds: \(cacheSeconds)}
        """
    }
}
