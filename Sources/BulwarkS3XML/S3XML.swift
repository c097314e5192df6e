/// Just enough XML for S3's answers (ListObjectsV2, CreateMultipartUpload, errors): the
/// text of every <tag>, the five predefined entities decoded. A module of its own so that
/// the fuzz target reaches it without linking the S3 plugin's C entry points.
public enum S3XML {
    /// The text of every `<tag>...</tag>` in `text`, in order, unescaped.
    public static func values(_ text: String, _ tag: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        let open = "<\(tag)>", close = "</\(tag)>"
        while let start = rest.firstRange(of: open), let end = rest[start.upperBound...].firstRange(of: close) {
            out.append(unescape(String(rest[start.upperBound..<end.lowerBound])))
            rest = rest[end.upperBound...]
        }
        return out
    }

    /// `s` with `&quot;`, `&apos;`, `&lt;`, `&gt;` and `&amp;` decoded.
    public static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacing("&quot;", with: "\"").replacing("&apos;", with: "'").replacing("&lt;", with: "<")
            .replacing("&gt;", with: ">").replacing("&amp;", with: "&")
    }

    /// `s` safe as element text: `&`, `<`, `>` and `"` as entities.
    public static func escape(_ s: String) -> String {
        s.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
    }
}
