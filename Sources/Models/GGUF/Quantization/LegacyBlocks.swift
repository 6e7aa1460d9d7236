/// Decoders of ggml's 32-element blocks (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0), each `(source, destination,
/// blockCount)`. Byte j of the packed quants holds element j in its low nibble and element j + 16 in
/// its high one. The arithmetic is gguf-py's, operation for operation (`d * q + m` rounds twice,
/// never fused), so the values match it bit for bit; offsets are subtracted in signed integers.
enum LegacyBlocks {
    @Sendable static func q4_0(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 18, out = destination + b * 32
            let d = block.half(at: 0)
            for j in 0..<16 {
                let byte = block.byte(at: 2 + j)
                out[j] = d * Float(Int32(byte & 15) - 8)
                out[j + 16] = d * Float(Int32(byte >> 4) - 8)
            }
        }
    }

    @Sendable static func q4_1(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 20, out = destination + b * 32
            let d = block.half(at: 0), m = block.half(at: 2)
            for j in 0..<16 {
                let byte = block.byte(at: 4 + j)
                out[j] = d * Float(byte & 15) + m
                out[j + 16] = d * Float(byte >> 4) + m
            }
        }
    }

    @Sendable static func q5_0(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 22, out = destination + b * 32
            let d = block.half(at: 0)
            let high = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            for j in 0..<16 {
                let byte = block.byte(at: 6 + j)
                let low = Int32(byte & 15) | Int32((high >> UInt32(j)) & 1) << 4
                let up = Int32(byte >> 4) | Int32((high >> UInt32(j + 16)) & 1) << 4
                out[j] = d * Float(low - 16)
                out[j + 16] = d * Float(up - 16)
            }
        }
    }

    @Sendable static func q5_1(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 24, out = destination + b * 32
            let d = block.half(at: 0), m = block.half(at: 2)
            let high = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            for j in 0..<16 {
                let byte = block.byte(at: 8 + j)
                let low = UInt32(byte & 15) | ((high >> UInt32(j)) & 1) << 4
                let up = UInt32(byte >> 4) | ((high >> UInt32(j + 16)) & 1) << 4
                out[j] = d * Float(low) + m
                out[j + 16] = d * Float(up) + m
            }
        }
    }

    @Sendable static func q8_0(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 34, out = destination + b * 32
            let d = block.half(at: 0)
            for j in 0..<32 { out[j] = Float(block.signedByte(at: 2 + j)) * d }
        }
    }
}
