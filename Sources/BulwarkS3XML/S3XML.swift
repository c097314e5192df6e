/// Just enough XML for S3's answers (ListObjectsV2, CreateMultipartUpload, errors): the
/// text of every <tag>, the five predefined entities decoded. A module of its own so that
/// the fuzz target reaches it without linking the S3 plugin's C entry points.
public enum S3XML {
    /// The text of every `<tag>...</tag>` in `text`, in order, unescaped.
    public static func values(_ text: String, _ tag: String) -> [String] {
        // Searched as UTF-8 bytes, not Characters: a key that starts with a combining mark
        // joins the `>` before it into one Character, and a Character search missed it
        // (found by fuzzing).
        let bytes = Array(text.utf8)
        let open = Array("<\(tag)>".utf8), close = Array("</\(tag)>".utf8)
        func find(_ needle: [UInt8], from start: Int) -> Int? {
            guard needle.count <= bytes.count else { return nil }
            var i = start
            while i + needle.count <= bytes.count {
                if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
                i += 1
            }
            return nil
        }
        var out: [String] = []
        var at = 0
        while let start = find(open, from: at), let end = find(close, from: start + open.count) {
            out.append(unescape(String(decoding: bytes[(start + open.count)..<end], as: UTF8.self)))
            at = end + close.count
        }
        return out
    }

    /// `s` with `&quot;`, `&apos;`, `&lt;`, `&gt;` and `&amp;` decoded.
    public static func unescape(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "&")) else { return s }
        // By bytes, in one pass: a Character-wise replace misses `&amp;` before a
        // combining mark, and decoding in one pass never decodes what it produced.
        let entities: [([UInt8], UInt8)] = [(Array("&quot;".utf8), 0x22), (Array("&apos;".utf8), 0x27),
                                            (Array("&lt;".utf8), 0x3C), (Array("&gt;".utf8), 0x3E), (Array("&amp;".utf8), 0x26)]
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        next: while i < bytes.count {
            if bytes[i] == UInt8(ascii: "&") {
                for (entity, byte) in entities where i + entity.count <= bytes.count && bytes[i..<(i + entity.count)].elementsEqual(entity) {
                    out.append(byte)
                    i += entity.count
                    continue next
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `s` safe as element text: `&`, `<`, `>` and `"` as entities.
    public static func escape(_ s: String) -> String {
        // By scalars: a Character-wise replace misses `&` before a combining mark.
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
