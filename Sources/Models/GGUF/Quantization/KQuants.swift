/// Decoders of ggml's K-quants (256-element super-blocks of 16 or 32-element sub-blocks), each
/// `(source, destination, blockCount)`. Every value is `(d * scale) * q - (dmin * min)` (or without
/// the min), with the products rounded in that order, as gguf-py computes them, so the values
/// match it bit for bit. Offsets are subtracted in signed integers: unsigned bytes would wrap.
enum KQuants {
    /// Q2_K: `[scales:16][qs:64][d][dmin]`. Sub-block g = 8h + 2t + p takes bits 2t..2t+1 of
    /// bytes 32h + 16p ..< +16; its scale byte holds the scale (low nibble) and min (high nibble).
    @Sendable static func q2_K(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 84, out = destination + b * 256
            let d = block.half(at: 80), dmin = block.half(at: 82)
            for h in 0..<2 {
                for t in 0..<4 {
                    for p in 0..<2 {
                        let g = 8 * h + 2 * t + p
                        let scale = block.byte(at: g)
                        let dl = d * Float(scale & 15), ml = dmin * Float(scale >> 4)
                        let quants = block + 16 + 32 * h + 16 * p, sub = out + 16 * g
                        for l in 0..<16 { sub[l] = dl * Float((quants.byte(at: l) >> UInt8(2 * t)) & 3) - ml }
                    }
                }
            }
        }
    }

    /// Q3_K: `[hmask:32][qs:64][scales:12][d]`. The walk of Q2_K; the third bit comes from the
    /// mask (a clear bit means minus 4) and the 6-bit signed scales are packed 4 + 2 bits.
    @Sendable static func q3_K(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 110, out = destination + b * 256
            let d = block.half(at: 108)
            let scales = block + 96
            for h in 0..<2 {
                for t in 0..<4 {
                    for p in 0..<2 {
                        let g = 8 * h + 2 * t + p
                        let low = g < 8 ? scales.byte(at: g) & 15 : scales.byte(at: g - 8) >> 4
                        let top = (scales.byte(at: 8 + g % 4) >> UInt8(2 * (g / 4))) & 3
                        let dl = d * Float(Int32(low | top << 4) - 32)
                        let quants = block + 32 + 32 * h + 16 * p, mask = block + 16 * p, sub = out + 16 * g
                        for l in 0..<16 {
                            let low2 = Int32((quants.byte(at: l) >> UInt8(2 * t)) & 3)
                            let set = (mask.byte(at: l) >> UInt8(4 * h + t)) & 1
                            sub[l] = dl * Float(low2 - (set == 0 ? 4 : 0))
                        }
                    }
                }
            }
        }
    }

    /// Scale and min of sub-block j (0..<8) of Q4_K and Q5_K, 6 bits each in 12 bytes.
    @inline(__always) static func scaleAndMin(_ s: UnsafeRawPointer, _ j: Int) -> (Float, Float) {
        if j < 4 { return (Float(s.byte(at: j) & 63), Float(s.byte(at: j + 4) & 63)) }
        return (Float((s.byte(at: j + 4) & 15) | (s.byte(at: j - 4) >> 6) << 4),
                Float((s.byte(at: j + 4) >> 4) | (s.byte(at: j) >> 6) << 4))
    }

    /// Q4_K: `[d][dmin][scales:12][qs:128]`. Chunk c of 64 outputs: the low nibbles of bytes
    /// 32c ..< +32 (sub-block 2c), then their high nibbles (sub-block 2c + 1).
    @Sendable static func q4_K(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 144, out = destination + b * 256
            let d = block.half(at: 0), dmin = block.half(at: 2)
            for c in 0..<4 {
                let (sc1, mn1) = scaleAndMin(block + 4, 2 * c), (sc2, mn2) = scaleAndMin(block + 4, 2 * c + 1)
                let d1 = d * sc1, m1 = dmin * mn1, d2 = d * sc2, m2 = dmin * mn2
                let quants = block + 16 + 32 * c, chunk = out + 64 * c
                for l in 0..<32 {
                    let byte = quants.byte(at: l)
                    chunk[l] = d1 * Float(byte & 15) - m1
                    chunk[l + 32] = d2 * Float(byte >> 4) - m2
                }
            }
        }
    }

    /// Q5_K: `[d][dmin][scales:12][qh:32][qs:128]`. Q4_K plus a fifth bit: bit 2c (low half of
    /// chunk c) or 2c + 1 (high half) of byte l of `qh`.
    @Sendable static func q5_K(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 176, out = destination + b * 256
            let d = block.half(at: 0), dmin = block.half(at: 2)
            let high = block + 16
            for c in 0..<4 {
                let (sc1, mn1) = scaleAndMin(block + 4, 2 * c), (sc2, mn2) = scaleAndMin(block + 4, 2 * c + 1)
                let d1 = d * sc1, m1 = dmin * mn1, d2 = d * sc2, m2 = dmin * mn2
                let quants = block + 48 + 32 * c, chunk = out + 64 * c
                for l in 0..<32 {
                    let byte = quants.byte(at: l), bits = high.byte(at: l) >> UInt8(2 * c)
                    chunk[l] = d1 * Float((byte & 15) | (bits & 1) << 4) - m1
                    chunk[l + 32] = d2 * Float((byte >> 4) | (bits & 2) << 3) - m2
                }
            }
        }
    }

    /// Q6_K: `[ql:128][qh:64][scales:16 int8][d]`. Each half of 128 outputs takes 4 bits from
    /// `ql` and 2 from `qh`; signed 8-bit scales, one per 16 outputs.
    @Sendable static func q6_K(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 210, out = destination + b * 256
            let d = block.half(at: 208)
            for h in 0..<2 {
                let low = block + 64 * h, high = block + 128 + 32 * h, half = out + 128 * h
                var scale = (Float(0), Float(0), Float(0), Float(0))
                for l in 0..<32 {
                    if l % 16 == 0 {
                        let s = 192 + 8 * h + l / 16
                        scale = (d * Float(block.signedByte(at: s)), d * Float(block.signedByte(at: s + 2)),
                                 d * Float(block.signedByte(at: s + 4)), d * Float(block.signedByte(at: s + 6)))
                    }
                    let a = low.byte(at: l), c = low.byte(at: l + 32), bits = high.byte(at: l)
                    half[l] = scale.0 * Float(Int32((a & 15) | (bits & 3) << 4) - 32)
                    half[l + 32] = scale.1 * Float(Int32((c & 15) | ((bits >> 2) & 3) << 4) - 32)
                    half[l + 64] = scale.2 * Float(Int32((a >> 4) | ((bits >> 4) & 3) << 4) - 32)
                    half[l + 96] = scale.3 * Float(Int32((c >> 4) | ((bits >> 6) & 3) << 4) - 32)
                }
            }
        }
    }

    /// Q8_K: `[d:f32][qs:256 int8][bsums:16 int16]`; the sums only serve dot products.
    @Sendable static func q8_K(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let block = source + b * 292, out = destination + b * 256
            let d = Float(bitPattern: UInt32(littleEndian: block.loadUnaligned(as: UInt32.self)))
            for j in 0..<256 { out[j] = d * Float(block.signedByte(at: 4 + j)) }
        }
    }
}
