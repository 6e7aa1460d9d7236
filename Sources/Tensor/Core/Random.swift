import Base
import Foundation

extension Tensor {
    /// Uniform samples in [0, 1).
    public static func rand(_ shape: [Int], using generator: inout RandomGenerator) throws -> Tensor {
        let result = try empty(shape, op: "rand")
        let p = result.storage.pointer
        for i in 0..<result.count { p[i] = generator.nextUniform() }
        return result
    }

    /// Standard normal samples (Box–Muller, computed in Double).
    public static func randn(_ shape: [Int], using generator: inout RandomGenerator) throws -> Tensor {
        let result = try empty(shape, op: "randn")
        let p = result.storage.pointer
        var i = 0
        while i < result.count {
            let radius = (-2 * Foundation.log(generator.nextOpenUniform())).squareRoot()
            let angle = 2 * Double.pi * generator.nextOpenUniform()
            p[i] = Float(radius * Foundation.cos(angle))
            if i + 1 < result.count { p[i + 1] = Float(radius * Foundation.sin(angle)) }
            i += 2
        }
        return result
    }
}
