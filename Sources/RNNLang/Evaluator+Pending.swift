import Jupyter
import RNN

extension StatementContext {
    /// Statements whose engine lives in modules still being written report so clearly, naming the
    /// statement, rather than doing something approximate.
    mutating func executeExtended(_ statement: Statement) throws {
        let word: String
        switch statement {
        case .backward: return try backward(statement)
        case .train: return try train(statement)
        case .predict: return try predict(statement)
        case .sample: return try sample(statement)
        case let .plot(target, options): return try plot(target, options)
        case let .save(name, path): return try save(name, path)
        case let .load(name, path): return try load(name, path)
        case let .runs(name): return output.display(try runsTable(name), displayID: nil)
        case let .exportLog(path): return try exportLog(path)
        default: word = "this statement"
        }
        throw Diagnostic(.value, "'\(word)' is not available in this build of rnn-kernel yet", at: statementRange)
    }
}
