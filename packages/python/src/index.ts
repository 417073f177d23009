/**
 * @wsgi-bridge/python: real Python WSGI apps (Flask, Bottle, any PEP 3333 app) behind any
 * wsgi-bridge front end. `pythonApp('legacy.wsgi:application', options)` is a `WsgiApp`
 * backed by a pool of the user's own CPython processes: Node does the HTTP, Python runs the app.
 */
export { pythonApp, type PythonApp, type PythonAppOptions } from './python-app.js';
export { PythonError } from './exchange.js';
export { BRIDGE_SCRIPT } from './worker.js';
