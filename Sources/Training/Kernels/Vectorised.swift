import Tensor

/// Eight-lane loops over raw buffers shared by the kernels.
enum Vectorised {
    typealias Vector = SIMD8<Float>

    /// target += source.
    @inline(__always)
    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            VectorMath.store(VectorMath.load(target + i) + VectorMath.load(source + i), target + i)
            i += 8
        }
        while i < count { target[i] += source[i]; i += 1 }
    }

    /// target += a · source.
    @inline(__always)
    static func addScaled(_ source: UnsafePointer<Float>, _ a: Float, into target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            VectorMath.store(VectorMath.load(target + i).addingProduct(VectorMath.load(source + i), a), target + i)
            i += 8
        }
        while i < count { target[i] += a * source[i]; i += 1 }
    }

    /// Σ a·b.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum = Vector.zero
        var i = 0
        while i + 8 <= count {
            sum = sum.addingProduct(VectorMath.load(a + i), VectorMath.load(b + i))
            i += 8
        }
        var total = sum.sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// Σ a.
    @inline(__always)
    static func sum(_ a: UnsafePointer<Float>, count: Int) -> Float {
        var sum = Vector.zero
        var i = 0
        while i + 8 <= count {
            sum += VectorMath.load(a + i)
            i += 8
        }
        var total = sum.sum()
        while i < count { total += a[i]; i += 1 }
        return total
    }

    /// x *= a.
    @inline(__always)
    static func scale(_ x: UnsafeMutablePointer<Float>, by a: Float, count: Int) {
        var i = 0
        while i + 8 <= count {
            VectorMath.store(VectorMath.load(x + i) * a, x + i)
            i += 8
        }
        while i < count { x[i] *= a; i += 1 }
    }

    /// x = p · (x − c): the softmax backward of a row, given c = Σ p·x.
    @inline(__always)
    static func subtractThenMultiply(_ c: Float, _ p: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            VectorMath.store(VectorMath.load(p + i) * (VectorMath.load(x + i) - c), x + i)
            i += 8
        }
        while i < count { x[i] = p[i] * (x[i] - c); i += 1 }
    }
}
