import Foundation
import Models
import Tensor

/// The Float32 buffers some training work allocates, by what they hold, checked before any is
/// allocated so that a model or batch too large for the machine is an error with the figures
/// rather than an allocation failure.
///
/// The limit is the Tensor module's (`TensorLimits.maximumElements`, physical memory unless a
/// harness lowers it): a tensor larger than memory is refused, and so is a run whose buffers
/// together are.
struct MemoryNeed {
    /// What each part holds and its Float32 count.
    var parts: [(what: String, floats: Double)]

    var floats: Double { parts.reduce(0) { $0 + $1.floats } }

    func fits(limit: Int) -> Bool { floats <= Double(limit) }

    /// Throws `TrainingError(place, …)` naming `subject`, the need by part and what the machine has.
    func check(place: String, subject: String, advice: String, limit: Int) throws {
        guard !fits(limit: limit) else { return }
        let breakdown = parts.map { "\($0.what) \(Self.bytes($0.floats))" }.joined(separator: ", ")
        throw TrainingError(place, "\(subject) needs about \(Self.bytes(floats)) (\(breakdown)); "
                                   + "this machine has \(Self.bytes(Double(limit))) (\(advice))")
    }

    /// `floats` Float32 values as bytes in the largest unit that keeps a leading digit.
    static func bytes(_ floats: Double) -> String {
        let bytes = 4 * floats
        for (unit, size) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] where bytes >= size {
            return String(format: "%.1f", bytes / size) + " " + unit
        }
        return String(format: "%.0f bytes", bytes)
    }

    /// A parameter count as people say it: 950, 13.8K, 124.4M, 7.2B.
    static func count(_ parameters: Double) -> String {
        for (unit, size) in [("B", 1e9), ("M", 1e6), ("K", 1e3)] where parameters >= size {
            return String(format: "%.1f", parameters / size) + unit
        }
        return String(format: "%.0f", parameters)
    }
}

extension MemoryNeed {
    /// A `TrainableModel`'s parameter stores: the weights and their gradients, and LoRA's
    /// adapters and theirs.
    static func stores(_ config: ModelConfig, lora: LoRAConfig?) -> MemoryNeed {
        var parts = [("weights and gradients", ParameterStore.floatsNeeded(TransformerModel.expectedShapes(config).map(\.1)))]
        if let lora {
            parts.append(("LoRA adapters and gradients", ParameterStore.floatsNeeded(adapterLayout(config: config, lora: lora).map(\.shape))))
        }
        return MemoryNeed(parts: parts)
    }

    /// The activation and scratch buffers of `batch` rows of `length` positions.
    static func activations(_ config: ModelConfig, lora: LoRAConfig?, batch: Int, length: Int) -> MemoryNeed {
        MemoryNeed(parts: [("activations of \(batch) × \(length) tokens", Pass.floatsNeeded(config, lora: lora, batch: batch, length: length))])
    }

    /// Everything a training run holds while it trains: parameter stores, the optimiser's state
    /// (a buffer per trainable value for SGD's momentum, two for AdamW's moments) and the
    /// buffers of one micro-batch of `rows` rows.
    static func run(_ config: ModelConfig, options: TrainingOptions, lora: LoRAConfig?, rows: Int) -> MemoryNeed {
        let stores = stores(config, lora: lora)
        // The optimiser's buffers are as long as the trainable store's value buffer.
        let trainable = (stores.parts.last?.floats ?? 0) / 2
        let optimizer = options.optimizer == .sgd ? ("SGD momentum", trainable) : ("AdamW state", 2 * trainable)
        return MemoryNeed(parts: stores.parts + [optimizer]
                                 + activations(config, lora: lora, batch: rows, length: options.seqLen).parts)
    }

    /// Refuses a run that cannot fit: on "model" when its parameters and optimiser state alone
    /// exceed `limit` (a smaller batch would not help), else on "batch".
    static func checkRun(_ config: ModelConfig, options: TrainingOptions, lora: LoRAConfig?, rows: Int, limit: Int) throws {
        let need = run(config, options: options, lora: lora, rows: rows)
        let subject = "training a model of \(count(TransformerModel.parameterCount(config))) parameters"
        // Every part but the last, the activations, is there whatever the batch.
        if !MemoryNeed(parts: need.parts.dropLast()).fits(limit: limit) {
            try need.check(place: "model", subject: subject,
                           advice: lora == nil ? "train LoRA adapters (lora_rank), use optimizer sgd, or pick a smaller model" : "pick a smaller model",
                           limit: limit)
        }
        try need.check(place: "batch", subject: subject, advice: "lower batch or seq_len", limit: limit)
    }
}
