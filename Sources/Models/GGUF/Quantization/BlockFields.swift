/// Reads of the fields inside a quantised block; the blocks sit back to back with no alignment.
extension UnsafeRawPointer {
    /// The f16 at `offset`, widened to Float32.
    @inline(__always) func half(at offset: Int) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
    }

    @inline(__always) func byte(at offset: Int) -> UInt8 { load(fromByteOffset: offset, as: UInt8.self) }

    /// The byte at `offset` read as a signed value.
    @inline(__always) func signedByte(at offset: Int) -> Int32 { Int32(load(fromByteOffset: offset, as: Int8.self)) }
}
