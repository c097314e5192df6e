/// An error a plugin reports to the host. The host shows `message` as it is, after the
/// plugin's name; never put secrets in it.
///
/// Any other `Error` a plugin throws reaches the host as a generic failure with its
/// description as the message.
public struct PluginError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ABI status code (`BULWARK_ERROR`, `BULWARK_NOT_FOUND`, ...).
    public var status: Int32
    public var message: String
    /// The HTTP status a remote service answered, when that is why the call failed: what
    /// a bank decides on (412: someone else's write won), never its message text.
    public var httpStatus: Int?

    public init(status: Int32, message: String, httpStatus: Int? = nil) {
        self.status = status
        self.message = message
        self.httpStatus = httpStatus
    }

    public static func failed(_ message: String) -> PluginError { .init(status: 1, message: message) }
    public static func notFound(_ message: String) -> PluginError { .init(status: 2, message: message) }
    public static func invalidArgument(_ message: String) -> PluginError { .init(status: 3, message: message) }
    public static func cancelled(_ message: String = "cancelled") -> PluginError { .init(status: 4, message: message) }
    public static func unsupported(_ message: String) -> PluginError { .init(status: 5, message: message) }
    public static func conflict(_ message: String) -> PluginError { .init(status: 6, message: message) }

    public var description: String { message }
}
