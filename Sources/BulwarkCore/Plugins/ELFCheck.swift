import Glibc

/// Checks, before `dlopen`, that a file is a complete 64-bit ELF shared object: the
/// dynamic loader maps a library's segments as its headers describe them and touches
/// them at once, so a library cut short (a copy that did not finish, a full disk) kills
/// the process with SIGBUS instead of failing to load. Reads only the headers.
enum ELFCheck {
    /// Why the file cannot be a loadable library, or nil when its headers are whole (or
    /// it is no 64-bit little-endian ELF file at all, which dlopen reports itself).
    static func problem(path: String, size: Int) -> String? {
        guard let file = fopen(path, "rb") else { return "cannot be read: \(String(cString: strerror(errno)))" }
        defer { fclose(file) }
        var header = [UInt8](repeating: 0, count: 64)
        let got = fread(&header, 1, 64, file)
        // Anything that is not a 64-bit little-endian ELF file is left to dlopen, whose
        // own message says what it is not.
        guard got >= 16, header[0] == 0x7F, header[1] == 0x45, header[2] == 0x4C, header[3] == 0x46,
              header[4] == 2, header[5] == 1 else { return nil }
        guard got == 64 else { return "truncated: \(size) bytes, shorter than its ELF header" }
        func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
        func u64(_ b: [UInt8], _ at: Int) -> Int {
            var v: UInt64 = 0
            for i in (0..<8).reversed() { v = v << 8 | UInt64(b[at + i]) }
            return v > UInt64(Int.max) ? Int.max : Int(v)
        }
        let programOffset = u64(header, 32), sectionOffset = u64(header, 40)
        let programSize = u16(header, 54), programCount = u16(header, 56)
        let sectionSize = u16(header, 58), sectionCount = u16(header, 60)
        func truncated(_ what: String, _ end: Int) -> String {
            "truncated: \(size) bytes, but its \(what) reaches byte \(end) (an incomplete copy?)"
        }
        let programEnd = programOffset.addingReportingOverflow(programSize * programCount)
        if programEnd.overflow || programEnd.partialValue > size { return truncated("program headers", programEnd.partialValue) }
        let sectionEnd = sectionOffset.addingReportingOverflow(sectionSize * sectionCount)
        if sectionCount > 0, sectionEnd.overflow || sectionEnd.partialValue > size { return truncated("section headers", sectionEnd.partialValue) }
        guard programSize >= 56 else { return programCount == 0 ? nil : "malformed: program header entries of \(programSize) bytes" }
        // Every loaded segment's bytes in the file must be there.
        for i in 0..<programCount {
            var entry = [UInt8](repeating: 0, count: 56)
            guard fseek(file, programOffset + i * programSize, SEEK_SET) == 0, fread(&entry, 1, 56, file) == 56 else {
                return truncated("program header \(i)", programOffset + (i + 1) * programSize)
            }
            let type = Int(entry[0]) | Int(entry[1]) << 8 | Int(entry[2]) << 16 | Int(entry[3]) << 24
            guard type == 1 else { continue }  // PT_LOAD
            let end = u64(entry, 8).addingReportingOverflow(u64(entry, 32))
            if end.overflow || end.partialValue > size { return truncated("loaded segment \(i)", end.partialValue) }
        }
        return nil
    }
}
