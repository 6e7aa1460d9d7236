/// Every builtin by name.
enum Builtins {
    static let all: [Builtin] = core + strings + tensorCreation + tensorMath + tensorShape + tensorIndexing + autograd + models + chatTemplates + training + losses + pairs + preferenceTraining + experiments + evaluation + plots + session
    static let table: [String: Builtin] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// Topics in the order `help()` lists them.
    static let topics = ["core", "strings", "creation", "math", "reductions", "shape", "indexing", "autograd", "models", "training", "preference", "experiments", "evaluation", "plots", "session"]
}
