import Foundation

/// Rotary position embedding parameters, from transformers v4's top-level `rope_theta` and
/// `rope_scaling`, or v5's `rope_parameters` (both accepted; inside the scaling dict the key may
/// be `rope_type` or the older `type`).
public struct RoPE: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case `default`, linear, llama3
    }

    public var theta: Double
    public var kind: Kind
    /// Share of each head's dimensions that rotate.
    public var partialRotaryFactor: Double
    public var factor: Double
    public var lowFrequencyFactor: Double
    public var highFrequencyFactor: Double
    public var originalMaxPositions: Int

    public init(theta: Double = 10000, kind: Kind = .default, partialRotaryFactor: Double = 1, factor: Double = 1,
                lowFrequencyFactor: Double = 1, highFrequencyFactor: Double = 4, originalMaxPositions: Int = 8192) {
        self.theta = theta
        self.kind = kind
        self.partialRotaryFactor = partialRotaryFactor
        self.factor = factor
        self.lowFrequencyFactor = lowFrequencyFactor
        self.highFrequencyFactor = highFrequencyFactor
        self.originalMaxPositions = originalMaxPositions
    }

    init(reader: ConfigReader) throws {
        let parameters = try reader.object("rope_parameters")
        let scaling = try reader.object("rope_scaling")
        let source = parameters ?? scaling
        self.init()
        theta = try parameters?.double("rope_theta") ?? reader.double("rope_theta") ?? 10000
        partialRotaryFactor = try parameters?.double("partial_rotary_factor") ?? reader.double("partial_rotary_factor") ?? 1
        guard let source else { return }
        let type = try source.string("rope_type") ?? source.string("type") ?? "default"
        guard let kind = Kind(rawValue: type) else {
            throw ModelError(file: reader.file, "RoPE type '\(type)' is not supported; PrefLab reads default, linear and llama3")
        }
        self.kind = kind
        if kind != .default {
            guard let factor = try source.double("factor"), factor > 0 else {
                throw ModelError(file: reader.file, "RoPE type '\(type)' needs a positive factor")
            }
            self.factor = factor
        }
        if kind == .llama3 {
            lowFrequencyFactor = try source.double("low_freq_factor") ?? 1
            highFrequencyFactor = try source.double("high_freq_factor") ?? 4
            originalMaxPositions = try source.int("original_max_position_embeddings") ?? 8192
            guard highFrequencyFactor > lowFrequencyFactor else {
                throw ModelError(file: reader.file, "llama3 RoPE needs high_freq_factor > low_freq_factor")
            }
        }
    }

    /// The rotation frequency of each dimension pair: 1/θ^(2i/d) for i < d/2, with d the rotating
    /// part of `headDim`, then scaled as `kind` says (transformers' `ROPE_INIT_FUNCTIONS`).
    public func inverseFrequencies(headDim: Int) -> [Double] {
        let rotating = Int(Double(headDim) * partialRotaryFactor)
        let base = stride(from: 0, to: rotating, by: 2).map { 1 / Foundation.pow(theta, Double($0) / Double(rotating)) }
        switch kind {
        case .default: return base
        case .linear: return base.map { $0 / factor }
        case .llama3:
            let old = Double(originalMaxPositions)
            let (lowWavelength, highWavelength) = (old / lowFrequencyFactor, old / highFrequencyFactor)
            return base.map { frequency in
                let wavelength = 2 * Double.pi / frequency
                if wavelength > lowWavelength { return frequency / factor }
                if wavelength < highWavelength { return frequency }
                let smooth = (old / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor)
                return (1 - smooth) * frequency / factor + smooth * frequency
            }
        }
    }
}
