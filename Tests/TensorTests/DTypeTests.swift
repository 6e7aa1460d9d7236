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
}
