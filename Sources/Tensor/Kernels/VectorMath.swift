/// Eight-lane transcendental functions for the element-wise kernels.
///
/// libm works one value at a time; these keep AVX lanes full. Accuracy is within a few ulp
/// of libm over the ranges used (checked against libm in the tests).
enum VectorMath {
    typealias Vector = SIMD8<Float>

    /// eˣ by range reduction x = n·ln2 + r and a degree-6 minimax polynomial in r (Cephes' expf coefficients).
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let clamped = x.clamped(lowerBound: Vector(repeating: -87.33654), upperBound: Vector(repeating: 88.72283))
        let n = (clamped * 1.442695041).rounded(.toNearestOrEven)
        let r = clamped - n * 0.693359375 + n * 2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let exponentBits = (SIMD8<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
        var result = p * unsafeBitCast(exponentBits, to: Vector.self)
        result.replace(with: 0, where: x .< -87.33654)
        result.replace(with: .infinity, where: x .> 88.72283)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// tanh: an odd polynomial near zero (where 1 − 2/(e²ˣ+1) would cancel), the exp form elsewhere.
    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        let magnitude = abs(x)
        let z = x * x
        var p = Vector(repeating: -5.70498872745e-3)
        p = p * z + 2.06390887954e-2
        p = p * z - 5.37397155531e-2
        p = p * z + 1.33314422036e-1
        p = p * z - 3.33332819422e-1
        let small = x + x * z * p
        let e = exp(2 * pointwiseMin(magnitude, Vector(repeating: 44)))
        var large = 1 - 2 / (e + 1)
        large.replace(with: -large, where: x .< 0)
        var result = large
        result.replace(with: small, where: magnitude .< 0.625)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5·10⁻⁷).
    @inline(__always)
    static func erf(_ x: Vector) -> Vector {
        let a = abs(x)
        let t = 1 / (1 + 0.3275911 * a)
        var p = Vector(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        var y = 1 - p * t * exp(-a * a)
        y.replace(with: -y, where: x .< 0)
        return y
    }

    /// |x| by clearing the sign bit.
    @inline(__always)
    static func abs(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
    }

    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector { 1 / (1 + exp(-x)) }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }
}

extension Float {
    /// One-lane versions of `VectorMath`, so tails of loops match their vector bodies exactly.
    @inline(__always) var vectorExp: Float { VectorMath.exp(SIMD8(repeating: self))[0] }
    @inline(__always) var vectorTanh: Float { VectorMath.tanh(SIMD8(repeating: self))[0] }
    @inline(__always) var vectorErf: Float { VectorMath.erf(SIMD8(repeating: self))[0] }
}
