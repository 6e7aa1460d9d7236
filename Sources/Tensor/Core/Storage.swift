import Base
import Foundation
import Synchronization

/// A reference-counted, 64-byte aligned Float32 buffer. Views of one tensor share it.
public final class TensorStorage: @unchecked Sendable {
    /// Number of Float32 elements the buffer holds.
    public let count: Int
    /// Start of the buffer. Valid for `count` elements while the storage is alive.
    public let pointer: UnsafeMutablePointer<Float>

    /// A buffer whose contents are unspecified.
    init(uninitializedCount count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.take(count)
    }

    /// A buffer filled with `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        if value == 0 {
            memset(pointer, 0, count * MemoryLayout<Float>.stride)
        } else {
            pointer.initialize(repeating: value, count: count)
        }
    }

    deinit { BufferPool.shared.give(pointer, count: count) }
}

/// Keeps large freed buffers for reuse.
///
/// A fresh multi-megabyte allocation is a new `mmap`, and touching it page-faults every 4 KiB:
/// for element-wise kernels that costs more than the arithmetic. Reusing buffers of the same
/// size (as PyTorch's caching allocator does) keeps their pages mapped.
final class BufferPool: Sendable {
    static let shared = BufferPool()

    /// Buffers smaller than this go straight to malloc, which already recycles them cheaply.
    private static let minimumPooledCount = 1 << 18
    private static let maximumPooledBytes = 1 << 30

    private struct State {
        var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
        var pooledBytes = 0
    }
    private let state = Mutex(State())

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count >= Self.minimumPooledCount {
            let reused = state.withLock { state -> UnsafeMutablePointer<Float>? in
                guard let buffer = state.free[count]?.popLast() else { return nil }
                state.pooledBytes -= count * 4
                return buffer
            }
            if let reused { return reused }
        }
        return AlignedBuffer.allocate(count, zeroed: false, purpose: "for a tensor")
    }

    func give(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        if count >= Self.minimumPooledCount {
            let kept = state.withLock { state -> Bool in
                guard state.pooledBytes + count * 4 <= Self.maximumPooledBytes else { return false }
                state.free[count, default: []].append(buffer)
                state.pooledBytes += count * 4
                return true
            }
            if kept { return }
        }
        free(buffer)
    }
}
