/* Functions the grid tables' formatters may call (dashboard/grid.py): Dash AG Grid evaluates
 * formatter expressions with these in scope. */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
/* A number to format, as opposed to a suppression marker such as "<11" or an empty cell. */
dagfuncs.isNumber = function (value) { return typeof value === "number" && isFinite(value); };
