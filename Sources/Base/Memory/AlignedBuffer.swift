import Foundation

/// 64-byte-aligned Float32 buffers, so SIMD loops and OpenBLAS see aligned rows.
public enum AlignedBuffer {
    /// `count` floats (at least one), zero-filled when `zeroed` (which also maps the pages now
    /// rather than in the middle of the first step). The caller frees the buffer with `free`.
    ///
    /// Out of memory is the one condition PrefLab stops on: a numeric library that cannot get
    /// memory must fail loudly, not corruptly. Sizes a user asks for are checked against the
    /// machine's memory before they get here.
    /// - Parameter purpose: what the memory is for, named when the allocation fails.
    public static func allocate(_ count: Int, zeroed: Bool, purpose: String) -> UnsafeMutablePointer<Float> {
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("PrefLab could not allocate \(bytes) bytes \(purpose)")
        }
        if zeroed { memset(raw, 0, bytes) }
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }
}
