/// A plugin library that could not be loaded, or whose descriptor is unusable.
///
/// Always one line, naming the file first, e.g.
/// `/opt/plugins/libfoo.so: built for plugin ABI 2.0; this host speaks 1.0 (rebuild it
/// against bulwark_plugin.h 1.x)`.
public struct PluginLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
