import Foundation

/// Overflow-free logistic functions in Double, the building blocks of every loss.
///
/// The losses see margins like β·Δ = ±900 (DPOP with λ = 50 on a badly displaced pair), where
/// the textbook `log(1 / (1 + exp(-x)))` overflows to inf or rounds to log 0, so each function
/// branches on the sign to keep `exp` at a non-positive argument.
enum Logistic {
    /// σ(x) = 1 / (1 + e^−x).
    static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|).
    static func softplus(_ x: Double) -> Double {
        max(x, 0) + log1p(exp(-abs(x)))
    }

    /// log σ(x) = −softplus(−x).
    static func logSigmoid(_ x: Double) -> Double { -softplus(-x) }

    /// log(1 − eˣ) for x < 0 (Mächler's log1mexp): `log(−expm1(x))` near 0, where 1 − eˣ loses
    /// digits, and `log1p(−eˣ)` further out, where eˣ is tiny. ORPO's odds use it.
    static func log1mexp(_ x: Double) -> Double {
        x > -M_LN2 ? log(-expm1(x)) : log1p(-exp(x))
    }

    /// d/dx log(1 − eˣ) = −eˣ / (1 − eˣ) = −1 / (e^−x − 1), written with expm1 for the same reason.
    static func log1mexpDerivative(_ x: Double) -> Double { -1 / expm1(-x) }

    /// relu(x) = max(x, 0).
    static func relu(_ x: Double) -> Double { max(x, 0) }

    /// relu′(x) with relu′(0) = 0, as PyTorch's relu: a pair exactly at the reference gets
    /// no DPOP push.
    static func step(_ x: Double) -> Double { x > 0 ? 1 : 0 }
}
