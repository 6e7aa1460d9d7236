/// Quantises Float32 rows to Q8_0 blocks as ggml's reference quantiser (and gguf-py) do: the scale
/// is the largest magnitude over 127, stored as f16 (rounded to nearest even), and each value
/// times the scale's Float32 reciprocal is rounded half away from zero.
enum Q8_0Encoding {
    /// `count` values (a multiple of 32) from `values`, appended as 34-byte blocks.
    static func append(_ values: UnsafePointer<Float>, count: Int, to encoder: inout GGUFEncoder) {
        var block = [UInt8](repeating: 0, count: 34)
        for start in stride(from: 0, to: count, by: 32) {
            let x = values + start
            var largest: Float = 0
            for j in 0..<32 { largest = max(largest, abs(x[j])) }
            let d = largest / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            withUnsafeBytes(of: Float16(d).bitPattern.littleEndian) { block[0] = $0[0]; block[1] = $0[1] }
            for j in 0..<32 {
                // Finite inputs give -127...127; a denormal scale's infinite reciprocal must not trap.
                let q = (x[j] * inverse).rounded(.toNearestOrAwayFromZero)
                block[2 + j] = UInt8(bitPattern: q.isNaN ? 0 : Int8(max(-128, min(127, q))))
            }
            encoder.append(raw: block)
        }
    }
}
