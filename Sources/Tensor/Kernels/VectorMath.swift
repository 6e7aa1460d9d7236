/// Eight-lane transcendental functions for the element-wise kernels.
///
/// libm works one value at a time; these keep AVX lanes full. Accuracy is within a few ulp
/// of libm over the ranges used (checked against libm in the tests).
public enum VectorMath {
    public typealias Vector = SIMD8<Float>

    /// eˣ by range reduction x = n·ln2 + r and a degree-6 minimax polynomial in r (Cephes' expf coefficients).
    @inlinable @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        var result = expOfNonPositive(x)
        result.replace(with: .infinity, where: x .> 88.72283)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// eˣ for x ≤ 0 (or NaN), as in softmax after subtracting the maximum: no overflow to handle.
    ///
    /// n is rounded by adding 1.5·2²³, which leaves round(x·log₂e) in the low mantissa bits;
    /// those bits, shifted into the exponent field, are 2ⁿ. Lanes outside the range where that
    /// holds are replaced afterwards, so no clamp is needed.
    @inlinable @inline(__always)
    public static func expOfNonPositive(_ x: Vector) -> Vector {
        let magic = Vector(repeating: 12_582_912)
        let shifted = magic.addingProduct(x, Vector(repeating: 1.442695041))
        let n = shifted - magic
        let r = x.addingProduct(n, Vector(repeating: -0.693359375)).addingProduct(n, Vector(repeating: 2.12194440e-4))
        var p = Vector(repeating: 1.9875691500e-4)
        p = fma(p, r, 1.3981999507e-3)
        p = fma(p, r, 8.3334519073e-3)
        p = fma(p, r, 4.1665795894e-2)
        p = fma(p, r, 1.6666665459e-1)
        p = fma(p, r, 5.0000001201e-1)
        p = (r + 1).addingProduct(p, r * r)
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        var result = p * unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        result.replace(with: 0, where: x .< -87.33654)
        return result
    }

    /// Lane-wise minimum and maximum that propagate NaN, as PyTorch's do, and compile to a few
    /// vector instructions (the standard library's pointwiseMin/Max are calls that drop NaN).
    @inlinable @inline(__always)
    public static func min(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: (b .< a) .| (b .!= b)) }

    @inlinable @inline(__always)
    public static func max(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: (b .> a) .| (b .!= b)) }

    /// tanh: an odd polynomial near zero (where 1 − 2/(e²ˣ+1) would cancel), the exp form elsewhere.
    @inlinable @inline(__always)
    public static func tanh(_ x: Vector) -> Vector {
        let magnitude = abs(x)
        let z = x * x
        var p = Vector(repeating: -5.70498872745e-3)
        p = fma(p, z, 2.06390887954e-2)
        p = fma(p, z, -5.37397155531e-2)
        p = fma(p, z, 1.33314422036e-1)
        p = fma(p, z, -3.33332819422e-1)
        let small = x + x * z * p
        let e = exp(2 * min(magnitude, Vector(repeating: 44)))
        var large = 1 - 2 / (e + 1)
        large.replace(with: -large, where: x .< 0)
        var result = large
        result.replace(with: small, where: magnitude .< 0.625)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// erf by Abramowitz & Stegun 7.1.26: 1.5·10⁻⁷ in exact arithmetic, below 5·10⁻⁷ absolute in Float32.
    @inlinable @inline(__always)
    public static func erf(_ x: Vector) -> Vector {
        let y = 1 - erfcOfMagnitude(x)
        return y.replacing(with: -y, where: x .< 0)
    }

    /// erfc(|x|) = p(t)·t·e^(−x²) with t = 1/(1 + 0.3275911·|x|) (A&S 7.1.26).
    @inlinable @inline(__always)
    public static func erfcOfMagnitude(_ x: Vector) -> Vector {
        let a = abs(x)
        let t = 1 / fma(a, Vector(repeating: 0.3275911), 1)
        var p = Vector(repeating: 1.061405429)
        p = fma(p, t, -1.453152027)
        p = fma(p, t, 1.421413741)
        p = fma(p, t, -0.284496736)
        p = fma(p, t, 0.254829592)
        return p * t * expOfNonPositive(-a * a)
    }

    /// x·Φ(x) = ½x(1 + erf(x/√2)), written with q = erfc(|x|/√2) so one branch-free form serves
    /// both signs: x(1 − ½q) for x ≥ 0 and ½x·q below.
    @inlinable @inline(__always)
    public static func geluErf(_ x: Vector) -> Vector {
        let half = 0.5 * x * erfcOfMagnitude(x * 0.70710678118654752)
        return (x - half).replacing(with: half, where: x .< 0)
    }

    /// ½x(1 + tanh(u)) with u = √(2/π)(x + 0.044715x³), computed as x·sigmoid(2u), which is the
    /// same function with one exponential and no cancellation.
    @inlinable @inline(__always)
    public static func geluTanh(_ x: Vector) -> Vector {
        let u = 0.79788456080286536 * x.addingProduct(0.044715 * x * x, x)
        return x / (1 + exp(-2 * u))
    }

    /// |x| by clearing the sign bit.
    @inlinable @inline(__always)
    public static func abs(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
    }

    @inlinable @inline(__always)
    public static func sigmoid(_ x: Vector) -> Vector { 1 / (1 + exp(-x)) }

    /// p·x + c in one rounding (a single FMA instruction per 8 lanes).
    @inlinable @inline(__always)
    public static func fma(_ p: Vector, _ x: Vector, _ c: Float) -> Vector { Vector(repeating: c).addingProduct(p, x) }

    @inlinable @inline(__always)
    public static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inlinable @inline(__always)
    public static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }
}
