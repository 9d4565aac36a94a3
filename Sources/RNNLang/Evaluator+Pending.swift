import Jupyter
import RNN

extension StatementContext {
    /// Statements whose engine lives in modules still being written report so clearly, naming the
    /// statement, rather than doing something approximate.
    mutating func executeExtended(_ statement: Statement) throws {
        let word: String
        switch statement {
        case .backward: word = "backward"
        case .train: word = "train"
        case .predict: word = "predict"
        case .sample: word = "sample"
        case .plot: word = "plot"
        case .save: word = "save"
        case .load: word = "load"
        case .runs: word = "runs"
        case .exportLog: word = "export log"
        default: word = "this statement"
        }
        throw Diagnostic(.value, "'\(word)' is not available in this build of rnn-kernel yet", at: statementRange)
    }

    /// Functions callable in expressions: the dataset constructors.
    func callFunction(_ name: String, _ args: [Expr], _ options: [OptionArg], _ range: SourceRange) throws -> Value {
        throw Diagnostic(.name, "unknown function '\(name)'", at: range)
    }
}
