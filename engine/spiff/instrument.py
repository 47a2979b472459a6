"""Rewrite a checked diagram script so that everything it does is counted and checked.

After `language.check_source` accepted the tree (and bounded its depth, so recursing over it
here is safe), every call becomes a call of the `guards` wrappers: `f(x)` -> `CALL(f, x)`,
`obj.m(x)` -> `METHOD(obj, "m", x)`; every arithmetic operator (also in `+=`) -> `BINOP`. Each
`for` body and each comprehension step starts with a `TICK` of the step's meter, f-string parts
and non-constant comparison operands pass through `WALKED` (their size is measured before C code
prints or compares them), and f-string results through `TEXT`.
"""

from __future__ import annotations

import ast
import copy

from engine.spiff.guards import BINOP, CALL, METHOD, TEXT, TICK, WALKED

_OPERATORS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}


def instrument(tree: ast.Module | ast.Expression) -> ast.Module | ast.Expression:
    rewritten = _Instrument().visit(copy.deepcopy(tree))
    assert isinstance(rewritten, ast.Module | ast.Expression)
    return ast.fix_missing_locations(rewritten)


class _Instrument(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        symbol = _OPERATORS[type(node.op)]
        return ast.copy_location(_helper(BINOP, ast.Constant(symbol), node.left, node.right), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        symbol = _OPERATORS[type(node.op)]
        current = copy.deepcopy(node.target)
        current.ctx = ast.Load()
        value = _helper(BINOP, ast.Constant(symbol), current, node.value)
        return ast.copy_location(ast.Assign(targets=[node.target], value=value), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute):
            method = node.func
            call = _helper(METHOD, method.value, ast.Constant(method.attr), *node.args)
        else:
            call = _helper(CALL, node.func, *node.args)
        call.keywords = node.keywords
        return ast.copy_location(call, node)

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, ast.Expr(_helper(TICK)))
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.ifs.insert(0, _helper(TICK))
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        node.left = _walked(node.left)
        node.comparators = [_walked(value) for value in node.comparators]
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        node.value = _walked(node.value)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(_helper(TEXT, node), node)

    def visit_List(self, node: ast.List) -> ast.AST:
        return self._display(node)

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        return self._display(node)

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        return self._display(node)

    def _display(self, node: ast.List | ast.Tuple | ast.Dict) -> ast.AST:
        """A display of variables (`(t, t)`) can nest a value in itself: measure it."""
        self.generic_visit(node)
        if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return node
        parts = [*node.keys, *node.values] if isinstance(node, ast.Dict) else node.elts
        if all(isinstance(part, ast.Constant) for part in parts if part is not None):
            return node
        return ast.copy_location(_helper(WALKED, node), node)


def _walked(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Constant):
        return node
    return ast.copy_location(_helper(WALKED, node), node)


def _helper(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])
