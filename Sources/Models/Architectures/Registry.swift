extension ModelConfig {
    /// The model_type values PrefLab reads.
    public enum Architecture: String, Sendable, CaseIterable {
        case llama, mistral, qwen2, gpt2

        /// The family the model_type belongs to.
        public var descriptor: any ArchitectureDescriptor {
            switch self {
            case .llama, .mistral, .qwen2: LlamaFamily()
            case .gpt2: GPT2()
            }
        }
    }

    public var descriptor: any ArchitectureDescriptor { architecture.descriptor }
}
