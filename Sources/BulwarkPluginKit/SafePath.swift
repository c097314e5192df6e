import Glibc

/// Paths built from names a checkpoint holds, kept inside the directory they belong to.
///
/// A resource's name and id come from a checkpoint, and a checkpoint comes from a bank
/// that someone else may have written: a name such as `../../etc` must never take a
/// restore outside its target. ``join(_:_:)`` is the one way a plugin should put a stored
/// name under a directory.
public enum SafePath {
    /// `root` followed by `relative`, or an error naming the part that would leave
    /// `root`: `relative` must be non-empty and not absolute, and none of its parts may be
    /// empty, `.` or `..`, hold a NUL, or be an existing symbolic link (which could point
    /// anywhere). `root` itself is trusted: it is the target the user chose.
    public static func join(_ root: String, _ relative: String) throws(PluginError) -> String {
        func refuse(_ why: String) -> PluginError {
            .invalidArgument("the stored name \(quoted(relative)) cannot be restored under \(root): \(why)")
        }
        if relative.isEmpty { throw refuse("it is empty") }
        if relative.hasPrefix("/") { throw refuse("it is an absolute path") }
        if relative.utf8.contains(0) { throw refuse("it holds a NUL byte") }
        var path = root.hasSuffix("/") ? String(root.dropLast()) : root
        for part in relative.split(separator: "/", omittingEmptySubsequences: false) {
            switch part {
            case "": throw refuse("it has an empty part")
            case ".", "..": throw refuse("it has a \"\(part)\" part")
            default: break
            }
            path += "/" + part
            var st = stat()
            if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK { throw refuse("\(path) is a symbolic link") }
        }
        return path
    }

    /// A name as it can be shown in a message: quoted, control characters escaped.
    static func quoted(_ name: String) -> String {
        var out = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
