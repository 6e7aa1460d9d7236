import Base
import Foundation
import Models
import Tensor

/// Saving and loading adapters in PEFT's on-disk format, so `PeftModel.from_pretrained` reads what
/// PrefLab writes and PrefLab reads what PEFT's `save_pretrained` writes:
///
/// - `adapter_model.safetensors`: keys "base_model.model.<module>.lora_A.weight" and
///   ".lora_B.weight", where <module> is the module's name inside transformers' model (with the
///   architecture's checkpoint prefix, such as GPT-2's "transformer."). PEFT drops its adapter name ("default") from the keys when saving.
/// - `adapter_config.json`: the `LoraConfig` fields.
extension LoRAAdapter {
    public static let weightsFileName = "adapter_model.safetensors"
    public static let configFileName = "adapter_config.json"

    /// Writes `directory/adapter_model.safetensors` (F32) and `directory/adapter_config.json`,
    /// creating the directory if needed.
    public func save(directory: String) throws {
        try OutputPath.createFolder(directory)
        let tensors = orderedWeights.map { (name: Self.peftKey(for: $0.name, architecture: modelConfig.architecture), tensor: $0.tensor) }
        try SafetensorsWriter.write(tensors, to: directory + "/" + Self.weightsFileName)
        let configPath = directory + "/" + Self.configFileName
        let data = try JSONSerialization.data(withJSONObject: peftConfigJSON, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicWrite.write(data, to: configPath)
    }

    /// Reads an adapter saved by PEFT or by `save(directory:)` for a model with `config`.
    /// Every option must be one PrefLab supports, and the weights file must hold exactly the
    /// tensors the options imply, with their shapes; errors name the file and the key or tensor.
    /// F16 and BF16 adapters are converted to Float32.
    public static func load(directory: String, config: ModelConfig) throws -> LoRAAdapter {
        let configPath = directory + "/" + configFileName
        let (lora, baseModel) = try readPEFTConfig(path: configPath, architecture: config.architecture)
        let weightsPath = directory + "/" + weightsFileName
        let file = try SafetensorsFile(path: weightsPath)

        // Our name for every key of the file. Keys written from a live PEFT model's state_dict
        // (rather than by save_pretrained) still carry the adapter name, ".lora_A.default.weight";
        // those are accepted as the same tensors.
        var keys: [String: String] = [:]
        for key in file.entries.keys.sorted() {
            let place = "\(weightsPath): tensor '\(key)'"
            guard let name = ourName(forKey: key, architecture: config.architecture) else {
                throw TrainingError(place, "is not a LoRA tensor of a PEFT causal-LM adapter (expected 'base_model.model.<module>.lora_A.weight' or '.lora_B.weight')")
            }
            if let other = keys[name] { throw TrainingError(place, "holds the same tensor as '\(other)'") }
            keys[name] = key
        }
        var weights: [String: Tensor] = [:]
        for (name, shape, _) in adapterLayout(config: config, lora: lora) {
            guard let key = keys.removeValue(forKey: name), let entry = file.entries[key] else {
                throw TrainingError("\(weightsPath): tensor '\(peftKey(for: name, architecture: config.architecture))'",
                                    "is missing (r = \(lora.rank), target_modules \(lora.targets(for: config.architecture)))")
            }
            guard entry.shape == shape else {
                throw TrainingError("\(weightsPath): tensor '\(key)'", "has shape \(entry.shape), expected \(shape) for r = \(lora.rank) on this model")
            }
            weights[name] = try file.tensor(key)
        }
        if let (_, key) = keys.min(by: { $0.value < $1.value }) {
            throw TrainingError("\(weightsPath): tensor '\(key)'",
                                "adapts a module outside target_modules \(lora.targets(for: config.architecture)) or a layer the model does not have")
        }
        return try LoRAAdapter(config: config, lora: lora, weights: weights, baseModel: baseModel)
    }

    /// The key PEFT uses for our adapter tensor `name`.
    static func peftKey(for name: String, architecture: ModelConfig.Architecture) -> String {
        // Our names drop the architecture's checkpoint prefix (GPT2LMHeadModel's `transformer.`).
        "base_model.model." + architecture.descriptor.checkpointPrefix + name
    }

    /// Our name for a PEFT key, or nil when the key is not a LoRA A/B weight.
    static func ourName(forKey key: String, architecture: ModelConfig.Architecture) -> String? {
        let prefix = "base_model.model."
        guard key.hasPrefix(prefix) else { return nil }
        var name = String(key.dropFirst(prefix.count))
        let checkpointPrefix = architecture.descriptor.checkpointPrefix
        if !checkpointPrefix.isEmpty, name.hasPrefix(checkpointPrefix) { name = String(name.dropFirst(checkpointPrefix.count)) }
        for matrix in ["lora_A", "lora_B"] where name.hasSuffix(".\(matrix).default.weight") {
            name = String(name.dropLast(".\(matrix).default.weight".count)) + ".\(matrix).weight"
        }
        return name.hasSuffix(".lora_A.weight") || name.hasSuffix(".lora_B.weight") ? name : nil
    }

    /// adapter_config.json as PEFT's `LoraConfig.save_pretrained` writes it, limited to the fields
    /// that differ from PEFT's defaults or that loaders read; PEFT fills in the rest.
    var peftConfigJSON: [String: Any] {
        // PEFT writes integral alphas as integers (its type hint is int).
        let alpha: Any = lora.alpha == lora.alpha.rounded() && abs(lora.alpha) < 1e15 ? Int(lora.alpha) : lora.alpha
        return [
            "peft_type": "LORA", "task_type": "CAUSAL_LM",
            "r": lora.rank, "lora_alpha": alpha, "lora_dropout": lora.dropout,
            "target_modules": lora.targets(for: modelConfig.architecture),
            "bias": "none", "lora_bias": false, "use_rslora": false, "use_dora": false,
            // PEFT sets this from the module type anyway; it records whether weights are [in, out].
            "fan_in_fan_out": modelConfig.descriptor.projectionLayout == .inOut,
            "base_model_name_or_path": baseModel ?? NSNull(),
            "inference_mode": true, "init_lora_weights": true,
            "modules_to_save": NSNull(), "layers_to_transform": NSNull(), "layers_pattern": NSNull(),
            "rank_pattern": [String: Any](), "alpha_pattern": [String: Any](), "revision": NSNull(),
        ]
    }

    /// The options of adapter_config.json, checked: only plain LoRA on the targeted modules
    /// (no biases, DoRA, rsLoRA, per-module ranks or extra trained modules) is supported.
    static func readPEFTConfig(path: String, architecture: ModelConfig.Architecture) throws -> (LoRAConfig, String?) {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError(path, "cannot be read") }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TrainingError(path, "is not a JSON object")
        }
        func present(_ key: String) -> Any? { json[key].flatMap { $0 is NSNull ? nil : $0 } }
        // Foundation bridges JSON numbers and booleans both ways (0 `is Bool`), so numbers are
        // read as NSNumber without trying to tell `true` from 1.
        func number(_ key: String, default value: Double) throws -> Double {
            guard let raw = present(key) else { return value }
            guard let number = raw as? NSNumber else { throw TrainingError(path, "\(key) must be a number, got \(raw)") }
            return number.doubleValue
        }
        func unsupported(_ key: String, _ why: String) -> TrainingError { TrainingError(path, "\(key): \(why)") }

        guard let peftType = present("peft_type") as? String else { throw TrainingError(path, "peft_type is missing") }
        guard peftType == "LORA" else { throw unsupported("peft_type", "'\(peftType)' is not supported, only LORA") }
        if let task = present("task_type") {
            guard task as? String == "CAUSAL_LM" else { throw unsupported("task_type", "'\(task)' is not supported, only CAUSAL_LM") }
        }
        guard let rankValue = present("r") else { throw TrainingError(path, "r is missing") }
        guard let rank = rankValue as? Int else { throw TrainingError(path, "r must be an integer, got \(rankValue)") }
        let alpha = try number("lora_alpha", default: 8)
        let dropout = try number("lora_dropout", default: 0)

        let targets: [String]
        switch present("target_modules") {
        case let list as [String]:
            targets = list
        case let text as String where text == "all-linear":
            // PEFT's shorthand for every nn.Linear and Conv1D except the output head.
            targets = LoRAConfig.adaptableModules(for: architecture)
        case let text as String:
            throw unsupported("target_modules", "'\(text)' is a regular expression; only a list of module names is supported")
        case nil:
            throw TrainingError(path, "target_modules is missing")
        case let other?:
            throw TrainingError(path, "target_modules must be a list of module names, got \(other)")
        }

        if let bias = present("bias") as? String, bias != "none" {
            throw unsupported("bias", "'\(bias)' trains bias tensors, which are not supported; only \"none\"")
        }
        for flag in ["use_dora", "use_rslora", "lora_bias"] where present(flag) as? Bool == true {
            throw unsupported(flag, "true is not supported")
        }
        for pattern in ["rank_pattern", "alpha_pattern"] {
            if let map = present(pattern) as? [String: Any], !map.isEmpty {
                throw unsupported(pattern, "per-module ranks and alphas are not supported")
            }
        }
        if let modules = present("modules_to_save") as? [Any], !modules.isEmpty {
            throw unsupported("modules_to_save", "fully trained extra modules are not supported")
        }
        for key in ["layers_to_transform", "target_parameters", "exclude_modules", "layer_replication"] where present(key) != nil {
            if let list = present(key) as? [Any], list.isEmpty { continue }
            throw unsupported(key, "is not supported")
        }

        let lora = LoRAConfig(rank: rank, alpha: alpha, targetModules: targets, dropout: dropout)
        do {
            try lora.validate(for: architecture)
        } catch let error as TrainingError {
            let key = ["rank": "r", "alpha": "lora_alpha", "dropout": "lora_dropout"][error.place] ?? error.place
            throw TrainingError(path, "\(key) \(error.message)")
        }
        return (lora, present("base_model_name_or_path") as? String)
    }
}
