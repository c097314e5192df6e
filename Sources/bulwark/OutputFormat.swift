import Glibc
import ArgumentParser
import BulwarkJSON

/// `--output text|json`, shared by every command.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Print JSON as the one document on standard output.
func printJSON(_ value: JSON) {
    print(value.serialized(.init(pretty: true)))
}

/// Print a one-line error to standard error.
func printError(_ message: String) {
    var stderr = StandardError()
    print("error: \(terminalSafe(message))", to: &stderr)
}

/// A message safe for a terminal: control characters other than newline and tab (which
/// a name quoted in the message may hold) are shown escaped.
func terminalSafe(_ message: String) -> String { printable(message, keepingLayout: true) }

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        // Unbuffered write(2): no shared FILE* to reason about.
        var string = string
        string.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { if n < 0, errno == EINTR { continue }; return }
                offset += n
            }
        }
    }
}
