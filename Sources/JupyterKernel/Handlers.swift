import Foundation
import Lang

/// The answers to each request. Every request is framed by `busy` and `idle` on iopub, with the
/// request as their parent; its outputs and its reply come between them.
extension Kernel {
    func handleShell(_ request: Message) {
        publisher.status("busy", parent: request.header)
        defer { publisher.status("idle", parent: request.header) }
        let content = request.content
        switch request.header.msgType {
        case "kernel_info_request":
            send(request.reply("kernel_info_reply", session: publisher.session, content: kernelInfo), on: shell)
        case "execute_request":
            execute(request)
        case "complete_request":
            let code = content["code"]?.string ?? ""
            let cursor = content["cursor_pos"]?.int ?? code.unicodeScalars.count
            let completion = Completer(interpreter: session.interpreter).complete(code, cursor: cursor)
            send(request.reply("complete_reply", session: publisher.session, content: [
                "status": "ok", "matches": .array(completion.matches.map(JSON.string)),
                "cursor_start": .int(completion.wordStart), "cursor_end": .int(cursor), "metadata": [:],
            ]), on: shell)
        case "inspect_request":
            let code = content["code"]?.string ?? ""
            let cursor = content["cursor_pos"]?.int ?? code.unicodeScalars.count
            let documentation = Completer(interpreter: session.interpreter).documentation(in: code, cursor: cursor)
            send(request.reply("inspect_reply", session: publisher.session, content: [
                "status": "ok", "found": .bool(documentation != nil),
                "data": documentation.map { ["text/plain": .string($0)] } ?? [:], "metadata": [:],
            ]), on: shell)
        case "is_complete_request":
            send(request.reply("is_complete_reply", session: publisher.session,
                               content: Kernel.completeness(of: content["code"]?.string ?? "")), on: shell)
        case "history_request":
            send(request.reply("history_reply", session: publisher.session, content: ["status": "ok", "history": []]), on: shell)
        case "comm_info_request":
            send(request.reply("comm_info_reply", session: publisher.session, content: ["status": "ok", "comms": [:]]), on: shell)
        case "shutdown_request":
            shutDown(request, on: shell)
        case "comm_open", "comm_msg", "comm_close":
            // PrefLab has no widgets; a frontend's comms are left unanswered, which clients tolerate.
            break
        default:
            KernelLog.write("no reply to an unknown request type \(request.header.msgType) on shell")
        }
    }

    /// Control runs beside a busy shell: kernel_info, shutdown, and interrupt (for clients that
    /// send it as a message although the kernel spec asks for signals).
    func handleControl(_ request: Message) {
        publisher.status("busy", parent: request.header)
        defer { publisher.status("idle", parent: request.header) }
        switch request.header.msgType {
        case "kernel_info_request":
            send(request.reply("kernel_info_reply", session: publisher.session, content: kernelInfo), on: control)
        case "shutdown_request":
            shutDown(request, on: control)
        case "interrupt_request":
            // The signal the kernel spec asks for, so that both ways take the one interrupt model.
            kill(getpid(), SIGINT)
            send(request.reply("interrupt_reply", session: publisher.session, content: ["status": "ok"]), on: control)
        default:
            KernelLog.write("no reply to an unknown request type \(request.header.msgType) on control")
        }
    }

    var kernelInfo: JSON {
        [
            "status": "ok",
            "protocol_version": .string(Header.protocolVersion),
            "implementation": "preflab",
            "implementation_version": .string(version),
            "language_info": [
                "name": "preflab", "version": .string(version), "mimetype": "text/x-preflab", "file_extension": ".pref",
            ],
            "banner": .string("PrefLab \(version): help() lists the builtins, ?name shows one"),
            "help_links": [],
        ]
    }

    /// Replies and stops; starting the kernel again (restart: true) is the client's part.
    private func shutDown(_ request: Message, on socket: ZMQSocket) {
        let restart = request.content["restart"]?.bool ?? false
        send(request.reply("shutdown_reply", session: publisher.session, content: ["status": "ok", "restart": .bool(restart)]), on: socket)
        stop()
    }

    private func execute(_ request: Message) {
        let code = request.content["code"]?.string ?? ""
        let silent = request.content["silent"]?.bool ?? false
        let storeHistory = request.content["store_history"]?.bool ?? !silent
        if storeHistory { executionCount += 1 }
        publisher.outputs(belongTo: request.header)
        defer { publisher.outputs(belongTo: nil) }
        if !silent {
            publisher.publish("execute_input", ["code": .string(code), "execution_count": .int(executionCount)])
        }
        signals.forgetInterrupt()
        let entry = session.submit(code)
        capture?.drain()
        let count = JSON.int(executionCount)
        if let shown = entry.shown, !silent {
            // Session keeps a shown value in `ans`; a plot there is drawn, a table laid out.
            let value = session.interpreter.value(of: "ans")
            publisher.publish("execute_result", ["execution_count": count, "data": RichOutput.bundle(shown: shown, value: value), "metadata": [:]])
        }
        if let fields = entry.error.map(RichOutput.errorContent) ?? (signals.interrupted() ? RichOutput.interrupted : nil) {
            publisher.publish("error", .object(fields))
            var reply = fields
            reply["status"] = "error"
            reply["execution_count"] = count
            send(request.reply("execute_reply", session: publisher.session, content: .object(reply)), on: shell)
            return
        }
        send(request.reply("execute_reply", session: publisher.session, content: [
            "status": "ok", "execution_count": count, "user_expressions": [:], "payload": [],
        ]), on: shell)
    }

    /// is_complete's answer: the parser's test for input that more lines could finish (the REPL's
    /// continuation prompt), invalid for any other syntax error.
    static func completeness(of code: String) -> JSON {
        do {
            try Interpreter.checkSyntax(Source(name: "<cell>", text: code))
            return ["status": "complete"]
        } catch let error as LangError where error.kind == .incomplete {
            return ["status": "incomplete", "indent": ""]
        } catch {
            return ["status": "invalid"]
        }
    }
}
