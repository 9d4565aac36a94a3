import JSON

extension KernelCore {
    /// Runs the code: execute_input, the interpreter's outputs, execute_result or error, then the reply.
    func executeRequest(_ x: Exchange) -> Bool {
        let content = x.content
        guard let code = content["code"]?.stringValue else {
            return failExecute(x, "execute_request needs 'code' as a string")
        }
        for flag in ["silent", "store_history", "allow_stdin", "stop_on_error"] {
            if let v = content[flag], v.boolValue == nil { return failExecute(x, "'\(flag)' must be true or false") }
        }
        if let v = content["user_expressions"], v != .null, v.objectValue == nil {
            return failExecute(x, "'user_expressions' must be an object of names to expressions")
        }
        let silent = content["silent"]?.boolValue ?? false
        let storeHistory = silent ? false : (content["store_history"]?.boolValue ?? true)
        if storeHistory { executionCount += 1 }
        let count = executionCount
        let countJSON = JSON(count)
        if !silent { x.out.publish("execute_input", content: ["code": .string(code), "execution_count": countJSON], parent: x.request) }

        let sink = ExecutionSink(out: x.out, parent: x.request, silent: silent, comms: comms)
        let outcome = interpreter.execute(
            ExecuteRequest(code: code, silent: silent, storeHistory: storeHistory,
                           allowStdin: content["allow_stdin"]?.boolValue ?? false, executionCount: count,
                           // Front-end metadata, not part of the spec's content: read when it has the expected kind.
                           cellID: x.request.metadata["cellId"]?.stringValue,
                           deletedCells: x.request.metadata["deletedCells"]?.arrayValue?.compactMap(\.stringValue) ?? []),
            output: sink)
        switch outcome {
        case let .ok(result, payloads):
            if let result, !silent {
                x.out.publish("execute_result", content: ["execution_count": countJSON, "data": result.dataJSON, "metadata": result.metadata],
                              parent: x.request)
            }
            if storeHistory { history.append(line: count, input: code, output: result?["text/plain"]?.stringValue) }
            x.reply("execute_reply",
                    ["status": "ok", "execution_count": countJSON, "payload": .array(payloads),
                     "user_expressions": userExpressions(content["user_expressions"])],
                    metadata: ["status": "ok"])
            return false
        case let .error(report, payloads):
            if !silent {
                x.out.publish("error", content: ["ename": .string(report.ename), "evalue": .string(report.evalue), "traceback": JSON(report.traceback)],
                              parent: x.request)
            }
            if storeHistory { history.append(line: count, input: code, output: nil) }
            x.reply("execute_reply",
                    ["status": "error", "execution_count": countJSON, "ename": .string(report.ename), "evalue": .string(report.evalue),
                     "traceback": JSON(report.traceback), "payload": .array(payloads), "user_expressions": [:]],
                    metadata: ["status": "error"])
            return true
        }
    }

    /// Evaluates each of a successful execution's `user_expressions`, each to its own status.
    private func userExpressions(_ requested: JSON?) -> JSON {
        guard case let .object(exprs)? = requested else { return [:] }
        return .object(exprs.map { name, expr in
            guard let text = expr.stringValue else {
                return (key: name, value: ["status": "error", "ename": "TypeError", "evalue": "expression must be a string", "traceback": []])
            }
            switch interpreter.evaluate(expression: text) {
            case let .success(b):
                return (key: name, value: ["status": "ok", "data": b.dataJSON, "metadata": b.metadata])
            case let .failure(e):
                return (key: name, value: ["status": "error", "ename": .string(e.ename), "evalue": .string(e.evalue), "traceback": JSON(e.traceback)])
            }
        })
    }

    /// A malformed execute_request counts as a failed execution (it stops the queue, as ipykernel's would).
    func failExecute(_ x: Exchange, _ why: String) -> Bool {
        logLine("bad execute_request: \(why)")
        x.reply("execute_reply", ["status": "error", "execution_count": JSON(executionCount), "ename": "ProtocolError", "evalue": .string(why),
                                  "traceback": [], "user_expressions": [:], "payload": []])
        return true
    }
}
