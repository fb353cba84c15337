// Portico's Lambda Runtime API client for Node.js functions: loads the handler named by
// _HANDLER from LAMBDA_TASK_ROOT and serves invocations from AWS_LAMBDA_RUNTIME_API.
// Plain Node (http module only), so functions need nothing installed.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const sep = api.lastIndexOf(':');
const apiHost = api.slice(0, sep);
const apiPort = Number(api.slice(sep + 1));
// One keep-alive connection: calls to the Runtime API are strictly one after another.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: apiHost, port: apiPort, path: urlPath, method, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      }
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

class LambdaError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

// Lambda's Node error document: errorType, errorMessage, trace (lines of the stack).
function errorDocument(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

async function importFile(file) {
  if (file.endsWith('.mjs')) return import(pathToFileURL(file).href);
  try {
    return require(file);
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') return import(pathToFileURL(file).href);
    throw e;
  }
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = spec.indexOf('.', spec.lastIndexOf('/') + 1);
  if (dot < 0) throw new LambdaError('Runtime.MalformedHandlerName', 'Bad handler');
  const modulePath = spec.slice(0, dot);
  const names = spec.slice(dot + 1).split('.');
  const base = path.resolve(root, modulePath);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) {
    throw new LambdaError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
  }
  let mod;
  try {
    mod = await importFile(file);
  } catch (e) {
    if (e instanceof SyntaxError) throw new LambdaError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    throw e;
  }
  const pick = (m) => names.reduce((o, k) => (o == null ? undefined : o[k]), m);
  let handler = pick(mod);
  if (handler === undefined && mod && mod.default) handler = pick(mod.default);
  if (typeof handler !== 'function') {
    throw new LambdaError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  }
  return handler;
}

function context(headers, deadline) {
  const env = process.env;
  const parse = (v) => {
    try {
      return v ? JSON.parse(v) : undefined;
    } catch (_) {
      return undefined;
    }
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parse(headers['lambda-runtime-cognito-identity']),
    clientContext: parse(headers['lambda-runtime-client-context']),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

// Async handlers return a promise; callback handlers (three parameters) call back.
function run(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    const callback = (err, value) => (err != null ? reject(err) : resolve(value));
    ctx.done = callback;
    ctx.succeed = (value) => resolve(value);
    ctx.fail = (err) => reject(err);
    try {
      const result = handler(event, ctx, callback);
      if (result && typeof result.then === 'function') result.then(resolve, reject);
      else if (handler.length < 3) resolve(result);
    } catch (e) {
      reject(e);
    }
  });
}

let currentId = null;

async function postError(urlPath, err) {
  const doc = errorDocument(err);
  await call('POST', urlPath, JSON.stringify(doc), {
    'Content-Type': 'application/json',
    'Lambda-Runtime-Function-Error-Type': doc.errorType,
  });
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    console.error(e);
    await postError('/2018-06-01/runtime/init/error', e);
    process.exit(1);
  }
  for (;;) {
    const next = await call('GET', '/2018-06-01/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    currentId = id;
    const trace = next.headers['lambda-runtime-trace-id'];
    if (trace) process.env._X_AMZN_TRACE_ID = trace;
    else delete process.env._X_AMZN_TRACE_ID;
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']) || Date.now() + 3000;
    try {
      const text = next.body.toString('utf8');
      const event = text.length ? JSON.parse(text) : {};
      const result = await run(handler, event, context(next.headers, deadline));
      const body = JSON.stringify(result === undefined ? null : result);
      await call('POST', `/2018-06-01/runtime/invocation/${id}/response`, body, { 'Content-Type': 'application/json' });
    } catch (e) {
      await postError(`/2018-06-01/runtime/invocation/${id}/error`, e);
    }
    currentId = null;
  }
}

// Like Lambda: an error escaping the handler's promise chain fails the call and ends the process.
async function fatal(err) {
  console.error(err);
  try {
    if (currentId) await postError(`/2018-06-01/runtime/invocation/${currentId}/error`, err);
  } finally {
    process.exit(128);
  }
}
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

main().catch(fatal);
