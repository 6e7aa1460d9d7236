import Foundation
import Tensor

/// RMSNorm (Llama family) and LayerNorm (GPT-2) over rows of width `width`, forward and backward.
/// The forward saves 1/σ per row (and the mean for LayerNorm) so the backward needs no second pass
/// over the statistics.
struct Normalization {
    let width: Int
    let epsilon: Float

    /// y = x · rstd · w with rstd = 1/√(mean(x²) + ε); saves rstd [n].
    func rmsForward(_ x: UnsafePointer<Float>, rows n: Int, weight w: UnsafePointer<Float>,
                    into y: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        let h = width
        Parallel.forEachRange(n, cost: h) { rows in
            for row in rows {
                let xr = x + row * h, yr = y + row * h
                let r = 1 / (Vectorised.dot(xr, xr, count: h) / Float(h) + epsilon).squareRoot()
                rstd[row] = r
                for i in 0..<h { yr[i] = xr[i] * r * w[i] }
            }
        }
    }

    /// dx (+)= rstd · (g − x̂ · mean(g · x̂)) with g = dy · w and x̂ = x · rstd; dw += Σ dy · x̂.
    func rmsBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows n: Int, weight w: UnsafePointer<Float>,
                     rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>?) {
        let h = width
        Parallel.forEachRange(n, cost: 2 * h) { rows in
            var g = [Float](repeating: 0, count: h)
            g.withUnsafeMutableBufferPointer { gb in
                guard let g = gb.baseAddress else { return }
                for row in rows {
                    let xr = x + row * h, dyr = dy + row * h, dxr = dx + row * h
                    let r = rstd[row]
                    for i in 0..<h { g[i] = dyr[i] * w[i] }
                    let meanGX = Vectorised.dot(g, xr, count: h) * r / Float(h)
                    for i in 0..<h { dxr[i] += r * (g[i] - xr[i] * r * meanGX) }
                }
            }
        }
        guard let dw else { return }
        for row in 0..<n {
            let xr = x + row * h, dyr = dy + row * h, r = rstd[row]
            for i in 0..<h { dw[i] += dyr[i] * xr[i] * r }
        }
    }

    /// y = (x − μ) · rstd · w + b; saves μ and rstd [n]. Biased variance, as torch's LayerNorm.
    func layerForward(_ x: UnsafePointer<Float>, rows n: Int, weight w: UnsafePointer<Float>, bias b: UnsafePointer<Float>,
                      into y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        let h = width
        Parallel.forEachRange(n, cost: 2 * h) { rows in
            for row in rows {
                let xr = x + row * h, yr = y + row * h
                let mu = Vectorised.sum(xr, count: h) / Float(h)
                var variance: Float = 0
                for i in 0..<h { let c = xr[i] - mu; variance += c * c }
                let r = 1 / (variance / Float(h) + epsilon).squareRoot()
                mean[row] = mu
                rstd[row] = r
                for i in 0..<h { yr[i] = (xr[i] - mu) * r * w[i] + b[i] }
            }
        }
    }

    /// dx (+)= rstd · (g − mean(g) − x̂ · mean(g · x̂)) with g = dy · w; dw += Σ dy · x̂; db += Σ dy.
    func layerBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows n: Int, weight w: UnsafePointer<Float>,
                       mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                       dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>) {
        let h = width
        Parallel.forEachRange(n, cost: 3 * h) { rows in
            for row in rows {
                let xr = x + row * h, dyr = dy + row * h, dxr = dx + row * h
                let (mu, r) = (mean[row], rstd[row])
                var sumG: Float = 0, sumGX: Float = 0
                for i in 0..<h {
                    let g = dyr[i] * w[i]
                    sumG += g
                    sumGX += g * (xr[i] - mu) * r
                }
                let (meanG, meanGX) = (sumG / Float(h), sumGX / Float(h))
                for i in 0..<h { dxr[i] += r * (dyr[i] * w[i] - meanG - (xr[i] - mu) * r * meanGX) }
            }
        }
        for row in 0..<n {
            let xr = x + row * h, dyr = dy + row * h
            let (mu, r) = (mean[row], rstd[row])
            for i in 0..<h {
                dw[i] += dyr[i] * (xr[i] - mu) * r
                db[i] += dyr[i]
            }
        }
    }
}
