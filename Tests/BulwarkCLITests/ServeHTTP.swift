import BulwarkJSON
import Foundation
import TestSupport

/// Raw requests to a `bulwark serve`, with curl (a client the server's code never saw).
struct ServeHTTP {
    let url: String

    struct Answer {
        var status: Int
        var json: JSON?
        var text: String
        /// The fault body's message, whatever its fault name.
        var message: String? { json?.objectValue?.first?.value["message"]?.stringValue }
    }

    func callAsFunction(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json",
                        token: String?) throws -> Answer {
        var arguments = ["-s", "-g", "-o", "-", "-w", "\n%{http_code}", "-X", method, "-H", "Content-Type: \(contentType)"]
        if let token, !token.isEmpty { arguments += ["-H", "X-Auth-Token: \(token)"] }
        if let body { arguments += ["--data-binary", body] }
        let r = try TestSupport.run("/usr/bin/env", ["curl"] + arguments + [url + path])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let text = lines.dropLast().joined(separator: "\n")
        return Answer(status: Int(lines.last ?? "") ?? 0, json: try? JSON.parse(text), text: text)
    }
}
