import ChatTemplates
import Foundation
import Testing

/// transformers' renderings of real chat templates and feature probes, written by
/// scripts/fixtures/chat_template_fixtures.py.
struct Fixtures {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let template: String
        let messages: [[String: String]]
        let addGenerationPrompt: Bool
        let variables: [String: String]
        let boolVariables: [String: Bool]
        let output: String?
        let error: String?
        var testDescription: String { name }
    }

    static let json: [String: Any] = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/chat_templates.json").path
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }()

    static var models: [[String: Any]] { json["models"] as? [[String: Any]] ?? [] }

    static let cases: [Case] = {
        let conversations = json["conversations"] as? [String: [[String: String]]] ?? [:]
        var cases: [Case] = []
        for model in models {
            let name = model["name"] as? String ?? "", template = model["template"] as? String ?? ""
            for c in model["cases"] as? [[String: Any]] ?? [] {
                let conversation = c["conversation"] as? String ?? ""
                let generation = c["add_generation_prompt"] as? Bool ?? false
                cases.append(Case(name: "\(name) \(conversation) add_generation_prompt=\(generation)", template: template,
                                  messages: conversations[conversation] ?? [], addGenerationPrompt: generation,
                                  variables: model["special_tokens"] as? [String: String] ?? [:], boolVariables: [:],
                                  output: c["output"] as? String, error: c["error"] as? String))
            }
        }
        let probeMessages = json["probe_messages"] as? [[String: String]] ?? []
        for probe in json["probes"] as? [[String: Any]] ?? [] {
            cases.append(Case(name: "probe \(probe["name"] as? String ?? "")", template: probe["template"] as? String ?? "",
                              messages: probeMessages, addGenerationPrompt: true, variables: [:],
                              boolVariables: probe["variables"] as? [String: Bool] ?? [:],
                              output: probe["output"] as? String, error: probe["error"] as? String))
        }
        return cases
    }()
}

@Suite struct ChatTemplateParityTests {
    @Test func fixturesAreThere() {
        #expect(Fixtures.cases.count > 90)
    }

    @Test(arguments: Fixtures.cases)
    func rendersAsTransformersDoes(_ c: Fixtures.Case) throws {
        let template = try ChatTemplate(source: c.template)
        var extra: [String: TemplateValue] = [:]
        for (name, value) in c.variables where name != "bos_token" && name != "eos_token" { extra[name] = .string(value) }
        for (name, value) in c.boolVariables { extra[name] = .bool(value) }
        do {
            let rendered = try template.render(messages: c.messages, addGenerationPrompt: c.addGenerationPrompt,
                                               bosToken: c.variables["bos_token"], eosToken: c.variables["eos_token"], extra: extra)
            #expect(c.error == nil, "transformers raised \(c.error ?? "")")
            #expect(rendered == c.output)
        } catch let error as TemplateError {
            #expect(error.kind == .raised, "\(error)")
            #expect(error.message == c.error)
        }
    }

    @Test func endOfTurnIsWhatFollowsAnAssistantMessage() throws {
        for model in Fixtures.models {
            let tokens = model["special_tokens"] as? [String: String] ?? [:]
            let template = try ChatTemplate(source: model["template"] as? String ?? "")
            #expect(template.endOfTurn(bosToken: tokens["bos_token"], eosToken: tokens["eos_token"]) == model["end_of_turn"] as? String,
                    "\(model["name"] ?? "")")
        }
    }
}

@Suite struct ChatTemplateErrorTests {
    private func parseError(_ source: String) -> TemplateError? {
        do {
            _ = try ChatTemplate(source: source)
            return nil
        } catch {
            return error as? TemplateError
        }
    }

    private func renderError(_ source: String, _ messages: [[String: String]] = [["role": "user", "content": "hi"]]) throws -> TemplateError? {
        let template = try ChatTemplate(source: source)
        do {
            _ = try template.render(messages: messages, addGenerationPrompt: false)
            return nil
        } catch {
            return error as? TemplateError
        }
    }

    @Test func unsupportedTagsNameTheirPlace() throws {
        let error = try #require(parseError("Hello\n  {% include 'other.jinja' %}"))
        #expect(error.kind == .syntax)
        #expect((error.line, error.column) == (2, 6))
        #expect(error.message.contains("include"))
        #expect(error.description.contains("chat template 2:6"))
        #expect(error.description.contains("{% include 'other.jinja' %}\n         ^"))
    }

    @Test func unsupportedFiltersAndTestsAreSyntaxErrors() throws {
        let filter = try #require(parseError("{{ messages | wordcount }}"))
        #expect((filter.line, filter.column, filter.kind) == (1, 15, .syntax))
        #expect(filter.message.contains("'wordcount'"))
        let test = try #require(parseError("{% if x is prime %}{% endif %}"))
        #expect((test.line, test.column) == (1, 12))
    }

    @Test func malformedTemplatesNameTheirPlace() throws {
        let unclosed = try #require(parseError("a\n{% for m in messages %}{{ m }}"))
        #expect((unclosed.line, unclosed.column) == (2, 1))
        #expect(unclosed.message.contains("endfor"))
        let tag = try #require(parseError("{{ 'x' "))
        #expect(tag.message.contains("never closed"))
        let stray = try #require(parseError("{% endif %}"))
        #expect(stray.message.contains("endif"))
        let breakOutside = try #require(parseError("{% break %}"))
        #expect(breakOutside.message.contains("outside a for loop"))
        let tuple = try #require(parseError("{{ (1, 2) }}"))
        #expect(tuple.message.contains("tuples"))
        let emptySubscript = try #require(parseError("{{ messages[] }}"))
        #expect((emptySubscript.line, emptySubscript.column) == (1, 13))
        #expect(try #require(parseError("{{ 99999999999999999999 }}")).message.contains("64 bits"))
    }

    @Test func deepNestingIsRefusedNotACrash() throws {
        let parentheses = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(try #require(parseError("{{ \(parentheses) }}")).message.contains("nests more than"))
        let negations = String(repeating: "not ", count: 5000)
        #expect(try #require(parseError("{{ \(negations)x }}")).message.contains("nests more than"))
        let ifs = String(repeating: "{% if true %}", count: 5000) + String(repeating: "{% endif %}", count: 5000)
        #expect(try #require(parseError(ifs)).message.contains("nests more than"))
    }

    @Test func raiseExceptionCarriesTheMessageAndPlace() throws {
        let error = try #require(try renderError("{% if messages[0].role != 'system' %}\n  {{ raise_exception('Need a system message!') }}\n{% endif %}"))
        #expect(error.kind == .raised)
        #expect(error.message == "Need a system message!")
        #expect((error.line, error.column) == (2, 6))
    }

    @Test func usingAnUndefinedValueIsAnErrorButPrintingItIsNot() throws {
        let template = try ChatTemplate(source: "[{{ missing }}]{{ messages[0].nothing }}")
        #expect(try template.render(messages: [["role": "user", "content": "hi"]], addGenerationPrompt: false) == "[]")
        let error = try #require(try renderError("{{ 'a' + missing }}"))
        #expect(error.kind == .render)
        #expect(error.message == "'missing' is undefined")
        #expect((error.line, error.column) == (1, 8))
        let attribute = try #require(try renderError("{{ missing.role }}"))
        #expect(attribute.message == "'missing' is undefined")
    }

    @Test func typeErrorsAreRenderErrors() throws {
        let error = try #require(try renderError("{{ 'a' + 1 }}"))
        #expect(error.kind == .render)
        #expect(error.message.contains("'str' and 'int'"))
        let recursion = try #require(try renderError("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"))
        #expect(recursion.message.contains("nested"))
    }
}
