/// The compute-bound element-wise functions as `VectorMap` types (see `VectorMap` for why).
enum VectorMaps {
    typealias Vector = SIMD8<Float>

    struct Exp: VectorMap {
        @inline(__always) func callAsFunction(_ x: Vector) -> Vector { VectorMath.exp(x) }
    }
    struct Tanh: VectorMap {
        @inline(__always) func callAsFunction(_ x: Vector) -> Vector { VectorMath.tanh(x) }
    }
    struct Sigmoid: VectorMap {
        @inline(__always) func callAsFunction(_ x: Vector) -> Vector { VectorMath.sigmoid(x) }
    }
    struct Silu: VectorMap {
        @inline(__always) func callAsFunction(_ x: Vector) -> Vector { x * VectorMath.sigmoid(x) }
    }
    struct GeluErf: VectorMap {
        @inline(__always) func callAsFunction(_ x: Vector) -> Vector { VectorMath.geluErf(x) }
    }
    struct GeluTanh: VectorMap {
        @inline(__always) func callAsFunction(_ x: Vector) -> Vector { VectorMath.geluTanh(x) }
    }
}
