import Glibc

/// glibc's allocator, tuned for a process that moves objects of megabytes.
///
/// By default glibc gives freed memory back to the kernel once more than twice its
/// (adaptive) mmap threshold is free at the top of the heap, so every 8 MiB read or
/// segment buffer is mapped and page-faulted in again: that was half the CPU time of a
/// 1 GiB transfer through a bank (docs/benchmarks.md). Call once, at the start of `main`,
/// before other threads run: it changes the whole process.
public enum AllocatorTuning {
    public static func forLargeTransfers() {
        // mallopt is in <malloc.h>, which the Glibc module does not import.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }  // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let (trimThreshold, mmapThreshold): (Int32, Int32) = (-1, -3)  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        // Blocks up to 32 MiB (glibc's ceiling) come from the heap; up to 256 MiB of free
        // heap is kept.
        _ = mallopt(mmapThreshold, 32 << 20)
        _ = mallopt(trimThreshold, 256 << 20)
    }
}
