import Foundation
import Testing
@testable import Lang

@Suite struct ChatTemplateBuiltinTests {
    /// A Hugging Face tokenizer directory: the default model's tokenizer.json with a
    /// tokenizer_config.json holding a ChatML template and special tokens (one as an AddedToken).
    private func tokenizerDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-chat-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let model = try evaluate("default_model().tokenizer")
        guard case .handle(let handle) = model, let tokenizer = handle as? TokenizerHandle else { throw CancellationError() }
        try FileManager.default.copyItem(atPath: tokenizer.tokenizer.path, toPath: directory + "/tokenizer.json")
        let config: [String: Any] = [
            "chat_template": "{{ bos_token }}{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
            "bos_token": ["content": "<s>", "special": true], "eos_token": "<|im_end|>",
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: directory + "/tokenizer_config.json"))
        return directory
    }

    @Test func rendersTheTokenizersTemplateWithItsSpecialTokens() throws {
        let directory = try tokenizerDirectory()
        let value = try evaluate("""
            let tok = tokenizer("\(directory)")
            [chat_template(tok, [{role: "user", content: "Hi"}, {role: "assistant", content: "Hello"}], add_generation_prompt: false),
             chat_template(tok, [{role: "user", content: "Hi"}]), chat_end_of_turn(tok)]
            """)
        guard case .list(let items) = value, items.count == 3, case .string(let pair) = items[0], case .string(let prompt) = items[1],
              case .string(let end) = items[2] else { Issue.record("\(value)"); return }
        #expect(pair == "<s><|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n")
        #expect(prompt == "<s><|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(end == "<|im_end|>")
    }

    @Test func explainsAMissingTemplateAndTemplateErrors() {
        #expect(errorText { try evaluate("chat_template(default_model(), [{role: \"user\", content: \"x\"}])") }.contains("has no chat template"))
        let raised = errorText { try evaluate("chat_template(nil, [{role: \"user\", content: \"x\"}], template: \"\\n {{ raise_exception('no') }}\")") }
        #expect(raised.contains("chat_template: chat template 2:5: the template raised an exception: no"))
        #expect(errorText { try evaluate("chat_template(nil, [1], template: \"x\")") }.contains("messages must be records"))
    }
}
