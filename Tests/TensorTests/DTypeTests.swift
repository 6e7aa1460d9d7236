import Testing
@testable import Tensor

@Suite struct DTypeTests {
    @Test func namesAndWidths() throws {
        #expect(try DType(name: "BF16") == .bf16 && DType.bf16.byteWidth == 2 && DType.f32.byteWidth == 4)
        for name in ["F8_E4M3", "I64", "f32", ""] {
            do {
                _ = try DType(name: name)
                Issue.record("\(name) must be rejected")
            } catch let error as TensorError {
                #expect(error.op == "dtype" && error.message.contains("'\(name)'"))
            }
        }
    }

    @Test func bf16Conversion() throws {
        // 1, −2, the smallest subnormal, +∞, −∞, NaN
        let t = try Tensor.fromBF16([0x3F80, 0xC000, 0x0001, 0x7F80, 0xFF80, 0x7FC0], shape: [6])
        let v = t.scalars
        #expect(v[0] == 1 && v[1] == -2 && v[2] == Float(bitPattern: 0x0001_0000))
        #expect(v[3] == .infinity && v[4] == -.infinity && v[5].isNaN)
        #expect(Tensor([1, -2, .infinity]).bf16Bits() == [0x3F80, 0xC000, 0x7F80])
        // 1 + 2⁻⁸ is halfway between two BF16 values: ties go to the even one (1.0);
        // 1 + 3·2⁻⁸ is halfway too and rounds up to the even 1 + 2⁻⁶.
        #expect(Tensor([1.00390625, 1.01171875]).bf16Bits() == [0x3F80, 0x3F82])
        let nan = Tensor([.nan]).bf16Bits()[0]
        #expect(Float(bitPattern: UInt32(nan) << 16).isNaN)
    }

    @Test func f16Conversion() throws {
        // 1, −0.5, 65504 (largest), the smallest subnormal 2⁻²⁴, +∞, NaN
        let v = try Tensor.fromF16([0x3C00, 0xB800, 0x7BFF, 0x0001, 0x7C00, 0x7E00], shape: [2, 3]).scalars
        #expect(v[0] == 1 && v[1] == -0.5 && v[2] == 65504 && v[3] == 0x1p-24 && v[4] == .infinity && v[5].isNaN)
        #expect(Tensor([1, -0.5, 65504, 1e6]).f16Bits() == [0x3C00, 0xB800, 0x7BFF, 0x7C00])
    }

    @Test func roundingThroughHalfPrecision() throws {
        // 1 + 2⁻⁸ ties to 1 in BF16 but is exact in F16; 70000 overflows F16 to ∞; 1e-8 underflows it to 0.
        let x = try Tensor([1.00390625, 70000, 1e-8, -3.14159], shape: [2, 2]).requiringGrad()
        let bf16 = try x.rounded(to: .bf16), f16 = try x.rounded(to: .f16)
        #expect(bf16.shape == [2, 2] && bf16.scalars == [1, 70144, Float(bitPattern: 0x322C_0000), -3.140625])
        #expect(f16.scalars == [1.00390625, .infinity, 0, -3.140625])
        #expect(try x.rounded(to: .f32).scalars == x.scalars)
        try (bf16 * 2).sum().backward()
        #expect(x.grad?.scalars == [2, 2, 2, 2])  // straight through
    }

    @Test func bytesInAnyAlignment() throws {
        // F16 1.0 and 2.0, little-endian, starting one byte into the buffer.
        let raw: [UInt8] = [0xEE, 0x00, 0x3C, 0x00, 0x40]
        let t = try raw.withUnsafeBytes { try Tensor(bytes: UnsafeRawBufferPointer(rebasing: $0[1...]), dtype: .f16, shape: [2]) }
        #expect(t.scalars == [1, 2])
        let bf16: [UInt8] = [0x80, 0x3F, 0x00, 0xC0]
        let fromBF16 = try bf16.withUnsafeBytes { try Tensor(bytes: $0, dtype: .bf16, shape: [2]) }
        #expect(fromBF16.scalars == [1, -2])
        let f32: [UInt8] = [0x00, 0x00, 0x80, 0x3F]
        let fromF32 = try f32.withUnsafeBytes { try Tensor(bytes: $0, dtype: .f32, shape: []) }
        #expect(fromF32.shape == [] && fromF32.scalars == [1])
    }

    @Test func byteCountMustMatch() throws {
        let raw: [UInt8] = [0, 0, 0]
        let failure = raw.withUnsafeBytes { buffer in
            Result { try Tensor(bytes: buffer, dtype: .bf16, shape: [2]) }
        }
        guard case .failure(let error as TensorError) = failure else {
            Issue.record("3 bytes cannot hold two BF16 values")
            return
        }
        #expect(error.message.contains("[2]") && error.message.contains("4 bytes") && error.message.contains("got 3"))
    }

    @Test func negativeSpecialsAndRounding() throws {
        // F16: −∞, −2⁻²⁴ (negative subnormal), −0, the largest subnormal 0x03FF = 1023·2⁻²⁴
        let half = try Tensor.fromF16([0xFC00, 0x8001, 0x8000, 0x03FF], shape: [4]).scalars
        #expect(half[0] == -.infinity && half[1] == -0x1p-24 && half[2] == 0 && half[2].sign == .minus && half[3] == 1023 * 0x1p-24)
        // F16 ties to even: 1 + 2⁻¹¹ → 1, 1 + 3·2⁻¹¹ → 1 + 2⁻⁹; 65520 is the first value that overflows.
        #expect(Tensor([1 + 0x1p-11, 1 + 3 * 0x1p-11, 65519, 65520, -65520]).f16Bits() == [0x3C00, 0x3C02, 0x7BFF, 0x7C00, 0xFC00])
        // Below the F16 subnormal range: 2⁻²⁵ ties to 0, a little more rounds up to the smallest subnormal.
        #expect(Tensor([0x1p-25, 0x1.01p-25, -0x1p-24]).f16Bits() == [0x0000, 0x0001, 0x8001])
        // BF16: the largest Float overflows to +∞; −∞, −0 and a negative subnormal keep their signs.
        #expect(Tensor([.greatestFiniteMagnitude, -.infinity, -0.0, -Float(bitPattern: 0x0001_0000)]).bf16Bits()
            == [0x7F80, 0xFF80, 0x8000, 0x8001])
        // A negative NaN stays a NaN (and keeps its sign) rather than rounding into −∞.
        let negativeNaN = Tensor([Float(bitPattern: 0xFF80_0001)]).bf16Bits()[0]
        #expect(negativeNaN & 0x8000 != 0 && Float(bitPattern: UInt32(negativeNaN) << 16).isNaN)
        // Every BF16 value survives a round trip exactly.
        let all = (0...UInt16.max).filter { ($0 & 0x7F80) != 0x7F80 || ($0 & 0x007F) == 0 }
        #expect(try Tensor.fromBF16(all, shape: [all.count]).bf16Bits() == all)
    }

    @Test func unalignedBytesOfEveryDType() throws {
        // Each payload starts one byte into its buffer, as tensors inside a safetensors file may.
        let f32: [UInt8] = [0xEE, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC1]
        let fromF32 = try f32.withUnsafeBytes { try Tensor(bytes: UnsafeRawBufferPointer(rebasing: $0[1...]), dtype: .f32, shape: [2]) }
        #expect(fromF32.scalars == [1, -10])
        let bf16: [UInt8] = [0xEE, 0x80, 0x3F, 0x00, 0xC0, 0x80, 0x7F]
        let fromBF16 = try bf16.withUnsafeBytes { try Tensor(bytes: UnsafeRawBufferPointer(rebasing: $0[1...]), dtype: .bf16, shape: [3]) }
        #expect(fromBF16.scalars == [1, -2, .infinity])
        let empty = try [UInt8]().withUnsafeBytes { try Tensor(bytes: $0, dtype: .f16, shape: [0, 4]) }
        #expect(empty.shape == [0, 4] && empty.count == 0)
        #expect(throws: TensorError.self) { try [UInt8](repeating: 0, count: 4).withUnsafeBytes { try Tensor(bytes: $0, dtype: .f32, shape: [-1]) } }
        let tooMany = [UInt8](repeating: 0, count: 10)
        let failure = tooMany.withUnsafeBytes { buffer in Result { try Tensor(bytes: buffer, dtype: .f32, shape: [2]) } }
        guard case .failure(let error as TensorError) = failure else {
            Issue.record("10 bytes are not two F32 values")
            return
        }
        #expect(error.op == "from_bytes" && error.message.contains("F32") && error.message.contains("8 bytes") && error.message.contains("got 10"))
    }
}
