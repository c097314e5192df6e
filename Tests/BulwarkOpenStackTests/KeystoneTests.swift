import BulwarkHTTP
import BulwarkJSON
import BulwarkOpenStack
import Foundation
import Testing
import TestSupport

/// Keystone v3 sessions against real Keystone on 127.0.0.1:5000 (started by
/// scripts/test.sh through ../shared/peers/keystone.sh; admin / secret).
@Suite struct KeystoneTests {
    static let authURL = ProcessInfo.processInfo.environment["BULWARK_KEYSTONE_URL"] ?? "http://127.0.0.1:5000"
    static let admin = OpenStackCredentials(authURL: authURL + "/v3", method: .password(username: "admin", password: "secret", userDomain: "Default"),
                                            projectName: "admin")

    @Test func passwordAuthAndCatalog() throws {
        let session = KeystoneSession(credentials: Self.admin)
        let token = try session.token()
        #expect(!token.value.isEmpty)
        #expect(token.projectID != nil)
        #expect(token.expiresAt > Date())
        #expect(try session.endpoint(type: "identity").hasPrefix("http://127.0.0.1:5000/v3"))
        #expect(throws: KeystoneSession.Failure.self) { try session.endpoint(type: "volumev3") }
        do { _ = try session.endpoint(type: "volumev3") } catch {
            #expect(error.description.hasPrefix("the service catalog has no public volumev3 endpoint (it has: "))
        }
        // Reused until it nears expiry.
        #expect(try session.token().value == token.value)
        session.invalidate()
        #expect(try session.token().value != token.value)
    }

    @Test func revokedTokenIsRenewedOnceOn401() throws {
        let session = KeystoneSession(credentials: Self.admin)
        let first = try session.token().value
        // Revoke it behind the session's back, as an expiry mid-run would.
        let other = KeystoneSession(credentials: Self.admin)
        _ = try other.send(HTTPRequest(method: "DELETE", url: Self.authURL + "/v3/auth/tokens", headers: [("X-Subject-Token", first)]))
        let projects = try session.send(HTTPRequest(method: "GET", url: Self.authURL + "/v3/projects"))
        #expect(projects.status == 200)
        #expect(try session.token().value != first)
    }

    @Test func wrongPasswordIsClearAndSecretFree() {
        let wrong = OpenStackCredentials(authURL: Self.authURL, method: .password(username: "admin", password: "hunter2-wrong", userDomain: "Default"),
                                         projectName: "admin")
        do {
            _ = try KeystoneSession(credentials: wrong).token()
            Issue.record("expected a failure")
        } catch {
            #expect(error.description.hasPrefix("Keystone authentication as admin@Default at http://127.0.0.1:5000/v3 failed: POST http://127.0.0.1:5000/v3/auth/tokens: HTTP 401"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func applicationCredentials() throws {
        let session = KeystoneSession(credentials: Self.admin)
        let users = try JSON.parse(bytes: try session.send(HTTPRequest(method: "GET", url: Self.authURL + "/v3/users?name=admin")).body)
        let userID = try #require(users["users"]?[0]?["id"]?.stringValue)
        let name = "bulwark-test-\(UUID().uuidString.prefix(8))"
        let created = try JSON.parse(bytes: try session.send(HTTPRequest(
            method: "POST", url: Self.authURL + "/v3/users/\(userID)/application_credentials", headers: [("Content-Type", "application/json")],
            body: JSON.object(JSONObject([("application_credential", ["name": .string(name), "secret": "app-secret-42"])])).serializedBytes())).body)
        let id = try #require(created["application_credential"]?["id"]?.stringValue)
        let app = KeystoneSession(credentials: OpenStackCredentials(authURL: Self.authURL, method: .applicationCredential(id: id, secret: "app-secret-42")))
        #expect(try app.token().projectID == (try session.token().projectID))
        #expect(try app.send(HTTPRequest(method: "GET", url: Self.authURL + "/v3/auth/projects")).status == 200)
    }
}

/// clouds.yaml and OS_* variables, as the OpenStack clients read them.
@Suite struct OpenStackConfigurationTests {
    @Test func environmentVariables() throws {
        let c = try OpenStackCredentials.fromEnvironment([
            "OS_AUTH_URL": "http://127.0.0.1:5000", "OS_USERNAME": "demo", "OS_PASSWORD": "pw", "OS_PROJECT_NAME": "p",
            "OS_USER_DOMAIN_NAME": "Users", "OS_REGION_NAME": "RegionTwo", "OS_INTERFACE": "internal",
        ])
        #expect(c.authURL == "http://127.0.0.1:5000/v3")
        #expect(c.projectName == "p" && c.region == "RegionTwo" && c.interface == "internal")
        #expect(c.description == "demo@Users at http://127.0.0.1:5000/v3")
        #expect(throws: OpenStackCredentials.Invalid.self) { try OpenStackCredentials.fromEnvironment(["OS_AUTH_URL": "http://x"]) }
    }

    @Test func cloudsYAML() throws {
        let directory = try TestSupport.temporaryDirectory("clouds")
        let path = directory.appendingPathComponent("clouds.yaml").path
        try """
            clouds:
              lab:
                auth:
                  auth_url: http://127.0.0.1:5000/v3
                  application_credential_id: abc
                  application_credential_secret: s3cret
                region_name: RegionOne
                verify: false
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let c = try OpenStackCredentials.fromEnvironment(["OS_CLOUD": "lab", "OS_CLIENT_CONFIG_FILE": path])
        #expect(c.description == "application credential abc at http://127.0.0.1:5000/v3")
        #expect(c.tls.insecureSkipVerify)
        #expect(c.region == "RegionOne")
        do {
            _ = try OpenStackCredentials.fromCloudsYAML(path, cloud: "prod")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "\(path): no cloud prod (clouds: lab)")
        }
    }
}
