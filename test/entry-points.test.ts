// issue 17: @wsgi-bridge/core is what an app author imports; what only front ends need is
// @wsgi-bridge/core/adapter. (A front end that imported plumbing from the main entry would
// not compile, now that the main entry does not have it.)
import { expect, it } from 'vitest';

const APP_FACING = ['ValidationError', 'WsgiError', 'codes', 'createWsgiHandler', 'formatDateTime', 'validationRules', 'validator'];

it('the main entry exports only app-facing names', async () => {
  expect(Object.keys(await import('@wsgi-bridge/core')).sort()).toEqual(APP_FACING);
});

it('the adapter entry exports the plumbing, and createWsgiHandler for front ends', async () => {
  const adapter = Object.keys(await import('@wsgi-bridge/core/adapter'));
  for (const name of ['createWsgiHandler', 'WsgiInput', 'WsgiErrors', 'prepareHostServer', 'deferContinue', 'clientErrorHandler',
    'answerClientError', 'refuse', 'responseOn', 'failWaitingRead', 'cutOff', 'groupHeaders', 'responseDone', 'toBuffer',
    'unquoteLatin1', 'hasTwoHosts', 'describeError', 'toError', 'httpDate', 'capitalizeHeaderName', 'lowercaseHeaderName',
    'hasPosthooks', 'ExchangeRunner', 'requestEnviron', 'splitTarget']) {
    expect(adapter).toContain(name);
  }
});
