/**
 * send_official_account_msg over real HTTP (official-accounts.md §4.10, §5; platform.md §5):
 * MsgBody element validation, the 12 KB content limit, MsgKey/Seq, duplicate suppression,
 * per-account send limits, online-only messages, concurrency and "a refused send changes nothing".
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  ADMIN,
  Client,
  SDKAPPID,
  SECRET_KEY,
  startTestHerald,
  stores,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';
import { assertFail as failWith, assertOk, exactBytes } from './helpers/assertions.ts';

type Json = Record<string, unknown>;
type Element = { MsgType: string; MsgContent: Json };

const MAX_BYTES = 12 * 1024;
const MSG_KEY = /^(\d+)_1_(\d+)$/;

// ---- Samples, one per element type (field tables of platform.md §5.2, values as in Tencent's samples) ----

const TEXT: Element = { MsgType: 'TIMTextElem', MsgContent: { Text: 'hello world' } };
const LOCATION: Element = {
  MsgType: 'TIMLocationElem',
  MsgContent: { Desc: 'someinfo', Latitude: 29.340656774469, Longitude: 116.0002783203125 },
};
const FACE: Element = { MsgType: 'TIMFaceElem', MsgContent: { Index: 1, Data: 'content' } };
const CUSTOM: Element = {
  MsgType: 'TIMCustomElem',
  MsgContent: { Data: 'message', Desc: 'notification', Ext: 'url', Sound: 'dingdong.aiff' },
};
const SOUND: Element = {
  MsgType: 'TIMSoundElem',
  MsgContent: {
    Url: 'https://1234-5678187359-1253735226.cos.ap-shanghai.myqcloud.com/abc/sound.m4a',
    UUID: '5:1400xxxxxx:sound-md5-0123456789abcdef',
    Size: 62351,
    Second: 1,
    Download_Flag: 2,
  },
};
const IMAGE: Element = {
  MsgType: 'TIMImageElem',
  MsgContent: {
    UUID: '1853095_D61040894AC3DE44CDFFFB3EC7EB720F',
    ImageFormat: 1,
    ImageInfoArray: [
      {
        Type: 1,
        Size: 1853095,
        Width: 2448,
        Height: 3264,
        URL: 'http://xxx/3200490432214177468_144115198371610486_D61040894AC3DE44CDFFFB3EC7EB720F/0',
      },
      {
        Type: 2,
        Size: 0,
        Width: 0,
        Height: 0,
        URL: 'http://xxx/3200490432214177468_144115198371610486_D61040894AC3DE44CDFFFB3EC7EB720F/720',
      },
      {
        Type: 3,
        Size: 2565,
        Width: 144,
        Height: 192,
        URL: 'http://xxx/3200490432214177468_144115198371610486_D61040894AC3DE44CDFFFB3EC7EB720F/198',
      },
    ],
  },
};
const FILE: Element = {
  MsgType: 'TIMFileElem',
  MsgContent: {
    Url: 'https://1234-5678187359-1253735226.cos.ap-shanghai.myqcloud.com/abc/file.txt',
    UUID: '5:1400xxxxxx:file-md5-0123456789abcdef',
    FileSize: 1773552,
    FileName: 'file:///private/var/Application/tmp/trim.B75D5F9B-1426-4913-8845-90DD46797FCD.MOV',
    Download_Flag: 2,
  },
};
const VIDEO: Element = {
  MsgType: 'TIMVideoFileElem',
  MsgContent: {
    VideoUrl: 'https://0345-1400187352-1256635546.cos.ap-shanghai.myqcloud.com/abcd/f7c6ad3c50af7d83e23efe0a208b90c9',
    VideoUUID: '5:1400xxxxxx:video-md5-f7c6ad3c50af7d83e23efe0a208b90c9',
    VideoSize: 1194603,
    VideoSecond: 5,
    VideoFormat: 'mp4',
    VideoDownloadFlag: 2,
    ThumbUrl: 'https://0345-1400187352-1256635546.cos.ap-shanghai.myqcloud.com/abcd/a6c170c9c599280cb06e0523d7a1f37b',
    ThumbUUID: '5:1400xxxxxx:thumb-md5-a6c170c9c599280cb06e0523d7a1f37b',
    ThumbSize: 13907,
    ThumbWidth: 720,
    ThumbHeight: 1280,
    ThumbFormat: 'JPG',
    ThumbDownloadFlag: 2,
  },
};
const RELAY: Element = {
  MsgType: 'TIMRelayElem',
  MsgContent: {
    Title: 'Chat history of alice and bob',
    MsgNum: 2,
    CompatibleText: '[Chat history] please upgrade to view',
    AbstractList: ['alice: hi', 'bob: hello'],
    MsgList: [
      {
        From_Account: 'alice',
        To_Account: 'bob',
        MsgSeq: 101,
        MsgRandom: 3551,
        MsgTimeStamp: 1698741698,
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }],
      },
      {
        From_Account: 'bob',
        To_Account: 'alice',
        MsgSeq: 102,
        MsgRandom: 3552,
        MsgTimeStamp: 1698741699,
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hello' } }],
        CloudCustomData: 'cc',
      },
    ],
  },
};
const RELAY_BY_KEY: Element = {
  MsgType: 'TIMRelayElem',
  MsgContent: {
    Title: 'Long chat',
    MsgNum: 300,
    CompatibleText: '[Chat history]',
    AbstractList: ['a: 1', 'b: 2'],
    JsonMsgKey: 'some-json-msg-key',
  },
};

const SAMPLES: Element[] = [TEXT, LOCATION, FACE, CUSTOM, SOUND, IMAGE, FILE, VIDEO, RELAY];

/** The documented send sample (official-accounts.md §4.10), without its account and Random. */
const DOC_SAMPLE = {
  MsgBody: [
    { MsgType: 'TIMTextElem', MsgContent: { Text: 'red packet' } },
    { MsgType: 'TIMFaceElem', MsgContent: { Index: 6, Data: 'abc\u0000\u0001' } },
  ],
  CloudCustomData: 'your cloud custom data',
  OfflinePushInfo: {
    PushFlag: 0,
    Desc: 'offline push content',
    Ext: 'passthrough content',
    AndroidInfo: { Sound: 'android.mp3' },
    ApnsInfo: { Sound: 'apns.mp3', BadgeMode: 1 },
  },
};

// ---- Helpers ----

function text(t: string): Element[] {
  return [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
}

/** A refused send has no MsgKey or MsgTime. */
const assertFail = (res: Envelope, code: number, info?: RegExp | string) =>
  failWith(res, code, { info, absent: ['MsgKey', 'MsgTime'] });

function parseKey(key: unknown): { seq: number; time: number } {
  assert.equal(typeof key, 'string');
  const m = MSG_KEY.exec(key as string);
  assert.ok(m, `MsgKey ${String(key)} should be {Seq}_1_{Time}`);
  return { seq: Number(m[1]), time: Number(m[2]) };
}

/** A mutable unix-seconds clock starting at real time (UserSigs stay valid). */
function mutableClock(): { now: () => number; advance(seconds: number): void; value(): number } {
  let t = Math.floor(Date.now() / 1000);
  return {
    now: () => t,
    advance: (s) => {
      t += s;
    },
    value: () => t,
  };
}

let randomCounter = 1000;
const nextRandom = () => ++randomCounter;

class Fixture {
  readonly admin: Client;

  constructor(
    readonly herald: TestHerald,
    admin?: Client,
  ) {
    this.admin = admin ?? herald.admin;
  }

  async createAccount(name = 'News'): Promise<string> {
    const res = await this.admin.official('create_official_account', { Owner_Account: ADMIN, Name: name });
    assertOk(res);
    return res.OfficialAccountUserID as string;
  }

  send(account: string, fields: Json): Promise<Envelope> {
    return this.admin.official('send_official_account_msg', { Official_Account: account, ...fields });
  }

  /** Sends and expects success; returns MsgKey, MsgTime and the Seq parsed from the key. */
  async sendOk(account: string, fields: Json): Promise<{ key: string; time: number; seq: number }> {
    const res = await this.send(account, fields);
    assertOk(res);
    assert.equal(typeof res.MsgTime, 'number');
    const parsed = parseKey(res.MsgKey);
    assert.equal(parsed.time, res.MsgTime, 'MsgKey time part is MsgTime');
    return { key: res.MsgKey as string, time: res.MsgTime as number, seq: parsed.seq };
  }

  /** The whole history (newest first), walking pages of 20. */
  async history(account: string, withRecalled = false): Promise<Json[]> {
    const all: Json[] = [];
    let last = '';
    for (let guard = 0; guard < 1000; guard++) {
      const res = await this.admin.official('official_account_msg_get_simple', {
        Official_Account: account,
        ReqMsgNumber: 20,
        ...(last !== '' && { LastMsgKey: last }),
        ...(withRecalled && { WithRecalledMsg: 1 }),
      });
      assertOk(res);
      const page = res.RspMsgList as Json[];
      all.push(...page);
      if (res.IsFinished === 2) return all;
      assert.ok(page.length > 0, 'a page that is not the last holds messages');
      last = res.LastMsgKey as string;
    }
    throw new Error('history did not finish');
  }

  async lastMsgTime(account: string): Promise<number> {
    const res = await this.admin.official('get_official_account_info', {
      OfficialAccountIdList: [{ Official_Account: account }],
      ResponseFilter: { OfficialAccountBaseInfoFilter: ['LastMsgTime'] },
    });
    assertOk(res);
    const [item] = res.OfficialAccountInfoList as Json[];
    assert.ok(item, 'item');
    assert.equal(item.ErrorCode, 0);
    return item.LastMsgTime as number;
  }

  /** History and LastMsgTime, for "nothing changed" checks. */
  async snapshot(account: string): Promise<{ history: Json[]; lastMsgTime: number }> {
    return { history: await this.history(account, true), lastMsgTime: await this.lastMsgTime(account) };
  }
}

/** A one-text-element MsgBody whose JSON.stringify is exactly `bytes` UTF-8 bytes. */
function bodyOfBytes(bytes: number, unit: string): Element[] {
  const overhead = Buffer.byteLength(JSON.stringify(text('')));
  const body = text(exactBytes(bytes - overhead, unit));
  assert.equal(Buffer.byteLength(JSON.stringify(body)), bytes);
  return body;
}

// ---- Tests ----

for (const store of stores()) {
  describe(`send_official_account_msg: element types and validation [${store}]`, () => {
    let f: Fixture;
    let account: string;
    before(async () => {
      f = new Fixture(await startTestHerald());
      account = await f.createAccount();
    });
    after(() => f.herald.close());

    /**
     * Expects `fields` to be refused with `code`. Sent to `to`, the account's history and
     * LastMsgTime are compared before and after; without `to` it goes to the shared account,
     * which never receives a good message and is checked to be still empty after each test.
     */
    async function refused(fields: Json, code: number, info?: RegExp | string, to?: string): Promise<Envelope> {
      if (to === undefined) {
        const res = await f.send(account, fields);
        assertFail(res, code, info);
        return res;
      }
      const before = await f.snapshot(to);
      const res = await f.send(to, fields);
      assertFail(res, code, info);
      assert.deepEqual(await f.snapshot(to), before, `a refused send (${code}) must change nothing`);
      return res;
    }

    afterEach(async () => {
      assert.deepEqual(await f.snapshot(account), { history: [], lastMsgTime: 0 }, 'refused sends stored nothing');
    });

    it('accepts a valid sample of every element type and returns it unchanged from history', async () => {
      const id = await f.createAccount('samples');
      const sent: { key: string; body: Element[] }[] = [];
      for (const sample of [...SAMPLES, RELAY_BY_KEY]) {
        const body = [sample];
        const { key, seq } = await f.sendOk(id, { Random: nextRandom(), MsgBody: body });
        assert.equal(seq, sent.length + 1, `${sample.MsgType} gets the next Seq`);
        sent.push({ key, body });
      }
      const history = await f.history(id);
      assert.deepEqual(
        history.map((m) => ({ key: m.MsgKey, body: m.MsgBody })),
        sent.reverse(),
        'history returns every element exactly as sent, newest first',
      );
    });

    it('accepts every element type mixed in one message', async () => {
      const id = await f.createAccount('mixed');
      const body = [TEXT, ...SAMPLES.slice(1), TEXT];
      const { key } = await f.sendOk(id, { Random: nextRandom(), MsgBody: body });
      const [m] = await f.history(id);
      assert.equal(m?.MsgKey, key);
      assert.deepEqual(m?.MsgBody, body);
    });

    it('accepts elements that carry only their required fields', async () => {
      const minimal: Element[] = [
        { MsgType: 'TIMTextElem', MsgContent: { Text: '' } },
        { MsgType: 'TIMLocationElem', MsgContent: { Latitude: 0, Longitude: -0.5 } },
        { MsgType: 'TIMFaceElem', MsgContent: { Index: 0 } },
        { MsgType: 'TIMCustomElem', MsgContent: {} },
        { MsgType: 'TIMSoundElem', MsgContent: { Url: 'https://x/s', UUID: 's', Download_Flag: 2 } },
        {
          MsgType: 'TIMImageElem',
          MsgContent: { UUID: 'i', ImageInfoArray: [{ Type: 1, Width: 0, Height: 0, URL: 'https://x/i' }] },
        },
        { MsgType: 'TIMFileElem', MsgContent: { Url: 'https://x/f', UUID: 'f', Download_Flag: 2 } },
        {
          MsgType: 'TIMVideoFileElem',
          MsgContent: {
            VideoUrl: 'https://x/v',
            VideoUUID: 'v',
            VideoDownloadFlag: 2,
            ThumbUrl: 'https://x/t',
            ThumbUUID: 't',
            ThumbWidth: 1,
            ThumbHeight: 1,
            ThumbDownloadFlag: 2,
          },
        },
        { MsgType: 'TIMRelayElem', MsgContent: {} },
      ];
      const id = await f.createAccount('minimal');
      for (const element of minimal) await f.sendOk(id, { Random: nextRandom(), MsgBody: [element] });
      assert.deepEqual(
        (await f.history(id)).map((m) => m.MsgBody),
        minimal.map((e) => [e]).reverse(),
      );
    });

    it('accepts the documented sample with CloudCustomData and OfflinePushInfo', async () => {
      const id = await f.createAccount('doc');
      const { key, time } = await f.sendOk(id, { Random: 9875, ...DOC_SAMPLE });
      const [m] = await f.history(id);
      assert.ok(m, 'm');
      assert.equal(m.MsgKey, key);
      assert.equal(m.MsgTimeStamp, time);
      assert.equal(m.MsgRandom, 9875);
      assert.deepEqual(m.MsgBody, DOC_SAMPLE.MsgBody, 'control characters survive the round trip');
      assert.equal(m.CloudCustomData, DOC_SAMPLE.CloudCustomData);
    });

    it('accepts ForbidCallbackControl, OnlineOnlyFlag 0 and SendMsgControl NoLastMsg', async () => {
      const id = await f.createAccount('options');
      await f.sendOk(id, {
        Random: nextRandom(),
        MsgBody: text('a'),
        ForbidCallbackControl: ['ForbidBeforeSendMsgCallback', 'ForbidAfterSendMsgCallback'],
      });
      await f.sendOk(id, { Random: nextRandom(), MsgBody: text('b'), OnlineOnlyFlag: 0 });
      await f.sendOk(id, { Random: nextRandom(), MsgBody: text('c'), SendMsgControl: ['NoLastMsg'] });
      await f.sendOk(id, {
        Random: nextRandom(),
        MsgBody: text('d'),
        OnlineOnlyFlag: 0,
        SendMsgControl: ['NoLastMsg'],
      });
      assert.equal((await f.history(id)).length, 4);
    });

    it('accepts Random 0 and 4294967295 and reports them as MsgRandom', async () => {
      const id = await f.createAccount('random');
      await f.sendOk(id, { Random: 0, MsgBody: text('zero') });
      await f.sendOk(id, { Random: 4294967295, MsgBody: text('max') });
      assert.deepEqual(
        (await f.history(id)).map((m) => m.MsgRandom),
        [4294967295, 0],
      );
    });

    it('refuses a missing or invalid Random with 6017', async () => {
      await refused({ MsgBody: text('x') }, 6017, 'Random');
      for (const Random of [-1, 4294967296, 1.5, '7', null, true, [1]]) {
        await refused({ Random, MsgBody: text('x') }, 6017, 'Random');
      }
    });

    it('refuses a missing, non-array or empty MsgBody with 6017', async () => {
      await refused({ Random: nextRandom() }, 6017, 'MsgBody');
      for (const MsgBody of [null, 'hello', 5, {}, TEXT, []]) {
        await refused({ Random: nextRandom(), MsgBody }, 6017, 'MsgBody');
      }
    });

    it('refuses malformed elements with 6017 naming the element', async () => {
      const cases: [unknown, string][] = [
        ['hello', 'MsgBody[1]'],
        [null, 'MsgBody[1]'],
        [[TEXT], 'MsgBody[1]'],
        [{ MsgContent: { Text: 'x' } }, 'MsgBody[1].MsgType'],
        [{ MsgType: 5, MsgContent: { Text: 'x' } }, 'MsgBody[1].MsgType'],
        [{ MsgType: 'TIMUnknownElem', MsgContent: { Text: 'x' } }, 'MsgBody[1].MsgType'],
        [{ MsgType: 'timtextelem', MsgContent: { Text: 'x' } }, 'MsgBody[1].MsgType'],
        [{ MsgType: 'toString', MsgContent: {} }, 'MsgBody[1].MsgType'],
        [{ MsgType: 'constructor', MsgContent: {} }, 'MsgBody[1].MsgType'],
        [{ MsgType: '', MsgContent: {} }, 'MsgBody[1].MsgType'],
        [{ MsgType: 'TIMTextElem' }, 'MsgBody[1].MsgContent'],
        [{ MsgType: 'TIMTextElem', MsgContent: 'hello' }, 'MsgBody[1].MsgContent'],
        [{ MsgType: 'TIMTextElem', MsgContent: null }, 'MsgBody[1].MsgContent'],
        [{ MsgType: 'TIMTextElem', MsgContent: [{ Text: 'x' }] }, 'MsgBody[1].MsgContent'],
      ];
      for (const [element, place] of cases) {
        await refused({ Random: nextRandom(), MsgBody: [TEXT, element] }, 6017, place);
      }
    });

    /** Field → [a value of the wrong type]; required fields are also tried missing. */
    const FIELD_CASES: { type: string; sample: Element; required: string[]; wrong: Record<string, unknown[]> }[] = [
      { type: 'TIMTextElem', sample: TEXT, required: ['Text'], wrong: { Text: [5, null, ['x'], { t: 1 }] } },
      {
        type: 'TIMLocationElem',
        sample: LOCATION,
        required: ['Latitude', 'Longitude'],
        wrong: { Desc: [1], Latitude: ['29.3', null], Longitude: ['116', true] },
      },
      { type: 'TIMFaceElem', sample: FACE, required: ['Index'], wrong: { Index: ['6', null], Data: [6] } },
      {
        type: 'TIMCustomElem',
        sample: CUSTOM,
        required: [],
        wrong: { Data: [1, { a: 1 }], Desc: [1], Ext: [false], Sound: [1] },
      },
      {
        type: 'TIMSoundElem',
        sample: SOUND,
        required: ['Url', 'UUID', 'Download_Flag'],
        wrong: { Url: [1], UUID: [1], Size: ['62351'], Second: ['1'], Download_Flag: [1, 0, 3, '2', 2.5] },
      },
      {
        type: 'TIMImageElem',
        sample: IMAGE,
        required: ['UUID', 'ImageInfoArray'],
        wrong: { UUID: [1], ImageFormat: ['1'], ImageInfoArray: ['x', {}, null] },
      },
      {
        type: 'TIMFileElem',
        sample: FILE,
        required: ['Url', 'UUID', 'Download_Flag'],
        wrong: { Url: [1], UUID: [1], FileSize: ['1'], FileName: [1], Download_Flag: [1, '2'] },
      },
      {
        type: 'TIMVideoFileElem',
        sample: VIDEO,
        required: [
          'VideoUrl',
          'VideoUUID',
          'ThumbUrl',
          'ThumbUUID',
          'ThumbWidth',
          'ThumbHeight',
          'VideoDownloadFlag',
          'ThumbDownloadFlag',
        ],
        wrong: {
          VideoUrl: [1],
          VideoUUID: [1],
          VideoSize: ['1'],
          VideoSecond: ['5'],
          VideoFormat: [4],
          VideoDownloadFlag: [1, '2'],
          ThumbUrl: [1],
          ThumbUUID: [1],
          ThumbSize: ['1'],
          ThumbWidth: ['720'],
          ThumbHeight: ['1280'],
          ThumbFormat: [1],
          ThumbDownloadFlag: [0, '2'],
        },
      },
      {
        type: 'TIMRelayElem',
        sample: RELAY,
        required: [],
        wrong: {
          Title: [1],
          MsgNum: [1.5, '2'],
          CompatibleText: [1],
          AbstractList: ['a', [1], [null]],
          MsgList: ['x', {}],
          JsonMsgKey: [1],
        },
      },
    ];

    for (const c of FIELD_CASES) {
      it(`${c.type}: refuses each missing required field and each wrongly typed field with 6017 naming it`, async () => {
        for (const field of c.required) {
          const content = { ...c.sample.MsgContent };
          delete content[field];
          await refused(
            { Random: nextRandom(), MsgBody: [TEXT, { MsgType: c.type, MsgContent: content }] },
            6017,
            `MsgBody[1].MsgContent.${field}`,
          );
        }
        for (const [field, values] of Object.entries(c.wrong)) {
          for (const value of values) {
            const element = { MsgType: c.type, MsgContent: { ...c.sample.MsgContent, [field]: value } };
            // null is how JSON spells "no value" for some senders; it must still be refused.
            await refused({ Random: nextRandom(), MsgBody: [TEXT, element] }, 6017, `MsgBody[1].MsgContent.${field}`);
          }
        }
      });
    }

    it('TIMTextElem: the place names the element index', async () => {
      const res = await refused(
        { Random: nextRandom(), MsgBody: [TEXT, FACE, { MsgType: 'TIMTextElem', MsgContent: {} }] },
        6017,
      );
      assert.ok(res.ErrorInfo.includes('MsgBody[2].MsgContent.Text'), res.ErrorInfo);
      const first = await refused(
        { Random: nextRandom(), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 1 } }] },
        6017,
      );
      assert.ok(first.ErrorInfo.includes('MsgBody[0].MsgContent.Text'), first.ErrorInfo);
    });

    it('TIMImageElem: refuses bad ImageInfoArray entries with 6017 naming the entry', async () => {
      const info = (IMAGE.MsgContent.ImageInfoArray as Json[])[0] as Json;
      const bad: [unknown, string][] = [
        ['x', 'ImageInfoArray[1]'],
        [null, 'ImageInfoArray[1]'],
        [[info], 'ImageInfoArray[1]'],
      ];
      for (const field of ['Type', 'Width', 'Height', 'URL']) {
        const entry = { ...info };
        delete entry[field];
        bad.push([entry, `ImageInfoArray[1].${field}`]);
      }
      for (const [field, value] of [
        ['Type', '1'],
        ['Width', '2448'],
        ['Height', null],
        ['URL', 5],
        ['Size', '1853095'],
      ] as const) {
        bad.push([{ ...info, [field]: value }, `ImageInfoArray[1].${field}`]);
      }
      for (const [entry, place] of bad) {
        const element = { MsgType: 'TIMImageElem', MsgContent: { ...IMAGE.MsgContent, ImageInfoArray: [info, entry] } };
        await refused({ Random: nextRandom(), MsgBody: [TEXT, element] }, 6017, `MsgBody[1].MsgContent.${place}`);
      }
    });

    it('refuses two TIMCustomElem in one message with 6017 (one is fine anywhere)', async () => {
      await refused({ Random: nextRandom(), MsgBody: [CUSTOM, CUSTOM] }, 6017, 'TIMCustomElem');
      await refused(
        { Random: nextRandom(), MsgBody: [TEXT, CUSTOM, FACE, { MsgType: 'TIMCustomElem', MsgContent: {} }] },
        6017,
        'TIMCustomElem',
      );
      const id = await f.createAccount('one-custom');
      await f.sendOk(id, { Random: nextRandom(), MsgBody: [TEXT, FACE, CUSTOM] });
      await f.sendOk(id, { Random: nextRandom(), MsgBody: [CUSTOM, TEXT, TEXT] });
    });

    it('refuses OnlineOnlyFlag other than 0/1 and NoLastMsg with OnlineOnlyFlag 1 with 6017', async () => {
      for (const OnlineOnlyFlag of [2, -1, 1.5, '1', true]) {
        await refused({ Random: nextRandom(), MsgBody: text('x'), OnlineOnlyFlag }, 6017, 'OnlineOnlyFlag');
      }
      await refused(
        { Random: nextRandom(), MsgBody: text('x'), OnlineOnlyFlag: 1, SendMsgControl: ['NoLastMsg'] },
        6017,
        'NoLastMsg',
      );
    });

    it('refuses wrongly typed optional fields with 6017', async () => {
      await refused({ Random: nextRandom(), MsgBody: text('x'), CloudCustomData: 5 }, 6017, 'CloudCustomData');
      await refused({ Random: nextRandom(), MsgBody: text('x'), OfflinePushInfo: 'push' }, 6017, 'OfflinePushInfo');
      await refused(
        { Random: nextRandom(), MsgBody: text('x'), ForbidCallbackControl: 'ForbidBeforeSendMsgCallback' },
        6017,
        'ForbidCallbackControl',
      );
      await refused({ Random: nextRandom(), MsgBody: text('x'), SendMsgControl: 'NoLastMsg' }, 6017, 'SendMsgControl');
    });

    it('answers 130004 for an unknown official account', async () => {
      const res = await f.send('@TOA#_nosuchaccount', { Random: nextRandom(), MsgBody: text('x') });
      assertFail(res, 130004);
    });

    it('refuses a missing Official_Account with 6017', async () => {
      const res = await f.admin.official('send_official_account_msg', { Random: nextRandom(), MsgBody: text('x') });
      assertFail(res, 6017, 'Official_Account');
    });

    for (const [label, unit] of [
      ['ASCII', 'a'],
      ['CJK', '中'],
      ['emoji', '😀'],
    ] as const) {
      it(`12 KB limit (${label}): JSON of MsgBody at 12288 UTF-8 bytes is accepted, 12289 refused with 80002`, async () => {
        const id = await f.createAccount(`size-${label}`);
        const okBody = bodyOfBytes(MAX_BYTES, unit);
        const { key } = await f.sendOk(id, { Random: nextRandom(), MsgBody: okBody });
        await refused({ Random: nextRandom(), MsgBody: bodyOfBytes(MAX_BYTES + 1, unit) }, 80002, undefined, id);
        if (unit !== 'a') {
          // 12288 bytes with at least one ASCII byte; swapping that byte for the multi-byte
          // character keeps the character count and goes over.
          const room = MAX_BYTES - Buffer.byteLength(JSON.stringify(text('')));
          const unitBytes = Buffer.byteLength(unit);
          const k = Math.floor((room - 1) / unitBytes);
          const t = unit.repeat(k) + 'a'.repeat(room - k * unitBytes);
          assert.equal(Buffer.byteLength(JSON.stringify(text(t))), MAX_BYTES);
          await f.sendOk(id, { Random: nextRandom(), MsgBody: text(t) });
          await refused({ Random: nextRandom(), MsgBody: text(`${t.slice(0, -1)}${unit}`) }, 80002, undefined, id);
          // The limit is in bytes, not characters: far fewer than 12288 characters is still too much.
          const chars = Math.ceil(MAX_BYTES / unitBytes);
          assert.ok(unit.length * chars < MAX_BYTES, 'unit.length * chars < MAX_BYTES');
          await refused({ Random: nextRandom(), MsgBody: text(unit.repeat(chars)) }, 80002, undefined, id);
        }
        const history = await f.history(id);
        const m = history.at(-1);
        assert.equal(m?.MsgKey, key);
        assert.deepEqual(m?.MsgBody, okBody, 'the 12288-byte message is stored whole');
      });
    }

    it('12 KB limit counts characters as JSON escapes them (a quote or newline takes 2 bytes)', async () => {
      const id = await f.createAccount('size-escapes');
      const overhead = Buffer.byteLength(JSON.stringify(text('')));
      const room = MAX_BYTES - overhead;
      const pairs = Math.floor((room - 1) / 4);
      const t = '"\n'.repeat(pairs) + 'a'.repeat(room - pairs * 4);
      assert.equal(Buffer.byteLength(JSON.stringify(text(t))), MAX_BYTES);
      assert.ok(Buffer.byteLength(t) < MAX_BYTES - overhead, 'raw text is well under the limit');
      await f.sendOk(id, { Random: nextRandom(), MsgBody: text(t) });
      await refused({ Random: nextRandom(), MsgBody: text(`${t}a`) }, 80002, undefined, id);
      assert.ok(t.endsWith('a'), "t.endsWith('a')");
      await refused({ Random: nextRandom(), MsgBody: text(`${t.slice(0, -1)}"`) }, 80002, undefined, id);
      // Plain ASCII of the same raw length fits easily.
      await f.sendOk(id, { Random: nextRandom(), MsgBody: text('b'.repeat(t.length)) });
    });

    it('12 KB limit counts MsgBody and CloudCustomData together', async () => {
      const id = await f.createAccount('size-ccd');
      const cloud = exactBytes(4000, '😀');
      const body = bodyOfBytes(MAX_BYTES - 4000, '中');
      const { key } = await f.sendOk(id, { Random: nextRandom(), MsgBody: body, CloudCustomData: cloud });
      await refused({ Random: nextRandom(), MsgBody: body, CloudCustomData: `${cloud}a` }, 80002, undefined, id);
      await refused(
        { Random: nextRandom(), MsgBody: bodyOfBytes(MAX_BYTES - 4000 + 1, 'a'), CloudCustomData: cloud },
        80002,
        undefined,
        id,
      );
      // CloudCustomData alone over the limit
      await refused(
        { Random: nextRandom(), MsgBody: text('x'), CloudCustomData: 'a'.repeat(MAX_BYTES) },
        80002,
        undefined,
        id,
      );
      const [m] = await f.history(id);
      assert.equal(m?.MsgKey, key);
      assert.equal(m?.CloudCustomData, cloud);
    });

    it('a large message spread over many elements is measured as a whole', async () => {
      const id = await f.createAccount('size-many');
      const element = text('x'.repeat(100))[0] as Element;
      const one = Buffer.byteLength(JSON.stringify(element));
      const count = Math.ceil(MAX_BYTES / one) + 1;
      await refused(
        { Random: nextRandom(), MsgBody: Array.from({ length: count }, () => element) },
        80002,
        undefined,
        id,
      );
      await f.sendOk(id, {
        Random: nextRandom(),
        MsgBody: Array.from({ length: Math.floor((MAX_BYTES - 2) / (one + 1)) }, () => element),
      });
    });

    it('validation comes before the account lookup and before the size check', async () => {
      // An unknown account with a bad body: the body problem is reported (6017), not 130004.
      assertFail(await f.send('@TOA#_nosuchaccount', { Random: nextRandom(), MsgBody: [] }), 6017);
      // A too-big message with a bad element later on: the element problem is reported.
      const big = bodyOfBytes(MAX_BYTES + 100, 'a');
      await refused(
        { Random: nextRandom(), MsgBody: [...big, { MsgType: 'TIMFaceElem', MsgContent: {} }] },
        6017,
        'MsgBody[1].MsgContent.Index',
      );
    });
  });

  describe(`send_official_account_msg: MsgKey, Seq, LastMsgTime, duplicates [${store}]`, () => {
    let f: Fixture;
    const clock = mutableClock();
    before(async () => {
      f = new Fixture(await startTestHerald({ clock: clock.now }));
    });
    after(() => f.herald.close());

    it('answers MsgTime (server time) and MsgKey {Seq}_1_{MsgTime} with Seq 1, 2, 3… per account', async () => {
      const a = await f.createAccount('a');
      const b = await f.createAccount('b');
      assert.equal(await f.lastMsgTime(a), 0, 'no message yet');
      const t0 = clock.value();
      const a1 = await f.sendOk(a, { Random: 1, MsgBody: text('a1') });
      assert.deepEqual(a1, { key: `1_1_${t0}`, time: t0, seq: 1 });
      assert.equal(await f.lastMsgTime(a), t0);
      clock.advance(7);
      const a2 = await f.sendOk(a, { Random: 2, MsgBody: text('a2') });
      assert.deepEqual(a2, { key: `2_1_${t0 + 7}`, time: t0 + 7, seq: 2 });
      assert.equal(await f.lastMsgTime(a), t0 + 7, 'LastMsgTime follows MsgTime');
      // Another account has its own Seq.
      const b1 = await f.sendOk(b, { Random: 1, MsgBody: text('a1') });
      assert.deepEqual(b1, { key: `1_1_${t0 + 7}`, time: t0 + 7, seq: 1 });
      clock.advance(1);
      const a3 = await f.sendOk(a, { Random: 3, MsgBody: text('a3') });
      assert.equal(a3.seq, 3);
      assert.equal(a3.key, `3_1_${t0 + 8}`);
      assert.equal(await f.lastMsgTime(b), t0 + 7, 'other account untouched');
      const history = await f.history(a);
      assert.deepEqual(
        history.map((m) => [m.MsgKey, m.MsgSeq, m.MsgTimeStamp]),
        [
          [a3.key, 3, t0 + 8],
          [a2.key, 2, t0 + 7],
          [a1.key, 1, t0],
        ],
      );
    });

    it('a repeated send (same MsgBody, CloudCustomData and Random within 5 minutes) answers the first key and stores nothing', async () => {
      const id = await f.createAccount('dedupe');
      const msg = { Random: 4242, MsgBody: [TEXT, FACE], CloudCustomData: 'ccd' };
      const t0 = clock.value();
      const first = await f.sendOk(id, msg);
      clock.advance(10);
      const again = await f.sendOk(id, msg);
      assert.deepEqual(again, first, 'same MsgKey and MsgTime as the first');
      assert.equal(await f.lastMsgTime(id), t0, 'a duplicate does not move LastMsgTime');
      assert.equal((await f.history(id)).length, 1);
      // Different Random → a new message.
      const otherRandom = await f.sendOk(id, { ...msg, Random: 4243 });
      assert.equal(otherRandom.seq, 2);
      // Different CloudCustomData, or none → a new message.
      const otherCcd = await f.sendOk(id, { ...msg, CloudCustomData: 'ccd2' });
      assert.equal(otherCcd.seq, 3);
      const { CloudCustomData: _omit, ...noCcd } = msg;
      const withoutCcd = await f.sendOk(id, noCcd);
      assert.equal(withoutCcd.seq, 4);
      // Different MsgBody → a new message.
      const otherBody = await f.sendOk(id, { ...msg, MsgBody: [TEXT] });
      assert.equal(otherBody.seq, 5);
      // The first is still recognised within the window, even after other messages.
      clock.advance(280); // 290 s after the first
      assert.deepEqual(await f.sendOk(id, msg), first);
      assert.deepEqual(await f.sendOk(id, noCcd), withoutCcd, 'the no-CloudCustomData message has its own key');
      const history = await f.history(id);
      assert.equal(history.length, 5);
      assert.deepEqual(
        history.map((m) => m.MsgSeq),
        [5, 4, 3, 2, 1],
      );
    });

    it('the same message after more than 5 minutes is a new message', async () => {
      const id = await f.createAccount('dedupe-window');
      const msg = { Random: 77, MsgBody: text('window') };
      const t0 = clock.value();
      const first = await f.sendOk(id, msg);
      clock.advance(299);
      assert.deepEqual(await f.sendOk(id, msg), first, 'still a duplicate 299 s later');
      clock.advance(2);
      const later = await f.sendOk(id, msg);
      assert.equal(later.seq, 2);
      assert.equal(later.time, t0 + 301);
      assert.equal(later.key, `2_1_${t0 + 301}`);
      // …and that new message is now the one repeats are matched against.
      clock.advance(60);
      assert.deepEqual(await f.sendOk(id, msg), later);
      assert.equal((await f.history(id)).length, 2);
      assert.equal(await f.lastMsgTime(id), t0 + 301);
    });

    it('duplicates are per account', async () => {
      const a = await f.createAccount('dup-a');
      const b = await f.createAccount('dup-b');
      const msg = { Random: 5, MsgBody: text('same') };
      const ka = await f.sendOk(a, msg);
      const kb = await f.sendOk(b, msg);
      assert.equal(ka.seq, 1);
      assert.equal(kb.seq, 1);
      assert.equal((await f.history(b)).length, 1);
    });

    it('online-only messages (OnlineOnlyFlag 1) get a MsgKey but never appear in history', async () => {
      const id = await f.createAccount('online');
      const stored = await f.sendOk(id, { Random: 1, MsgBody: text('stored') });
      const online = await f.sendOk(id, { Random: 2, MsgBody: text('online only'), OnlineOnlyFlag: 1 });
      assert.ok(online.seq > stored.seq, 'online.seq > stored.seq');
      const stored2 = await f.sendOk(id, { Random: 3, MsgBody: text('stored 2'), OnlineOnlyFlag: 0 });
      assert.ok(stored2.seq > online.seq, 'stored2.seq > online.seq');
      assert.deepEqual(
        (await f.history(id)).map((m) => m.MsgKey),
        [stored2.key, stored.key],
      );
      assert.deepEqual(
        (await f.history(id, true)).map((m) => m.MsgKey),
        [stored2.key, stored.key],
        'not even with WithRecalledMsg',
      );
      const page = await f.admin.official('official_account_msg_get_simple', {
        Official_Account: id,
        ReqMsgNumber: 1,
        LastMsgKey: stored2.key,
      });
      assertOk(page);
      assert.deepEqual(
        (page.RspMsgList as Json[]).map((m) => m.MsgKey),
        [stored.key],
      );
    });

    it('a refused send (validation, size) changes nothing; the next good send gets the next Seq', async () => {
      const id = await f.createAccount('refused');
      const t0 = clock.value();
      const first = await f.sendOk(id, { Random: 1, MsgBody: text('first'), CloudCustomData: 'c' });
      clock.advance(5);
      const before = await f.snapshot(id);
      assert.equal(before.lastMsgTime, t0);
      for (const fields of [
        { Random: 2, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: {} }] },
        { Random: 3, MsgBody: [CUSTOM, CUSTOM] },
        { MsgBody: text('no random') },
        { Random: 4, MsgBody: text('x'), OnlineOnlyFlag: 3 },
        { Random: 5, MsgBody: bodyOfBytes(MAX_BYTES + 1, '中') },
      ]) {
        const res = await f.send(id, fields);
        assert.notEqual(res.ErrorCode, 0);
        assert.deepEqual(await f.snapshot(id), before);
      }
      const next = await f.sendOk(id, { Random: 6, MsgBody: text('next') });
      assert.equal(next.seq, first.seq + 1, 'no Seq was used up by the refused sends');
      assert.equal(next.key, `2_1_${t0 + 5}`);
      assert.equal(await f.lastMsgTime(id), t0 + 5);
    });

    it('concurrent sends to one account: all OK, unique keys, Seqs exactly 1..30, history matches', async () => {
      const id = await f.createAccount('concurrent');
      const N = 30;
      const randoms = Array.from({ length: N }, (_, i) => 100_000 + i);
      const results = await Promise.all(
        randoms.map((Random, i) => f.send(id, { Random, MsgBody: text(`concurrent ${i}`) })),
      );
      for (const res of results) assertOk(res);
      const keys = results.map((r) => r.MsgKey as string);
      assert.equal(new Set(keys).size, N, 'MsgKeys are unique');
      const seqs = keys.map((k) => parseKey(k).seq).sort((x, y) => x - y);
      assert.deepEqual(
        seqs,
        Array.from({ length: N }, (_, i) => i + 1),
        'Seqs 1..30 with no gap',
      );
      const history = await f.history(id);
      assert.equal(history.length, N);
      assert.deepEqual(
        history.map((m) => m.MsgSeq),
        Array.from({ length: N }, (_, i) => N - i),
        'history newest first, no gap',
      );
      const byKey = new Map(history.map((m) => [m.MsgKey as string, m]));
      results.forEach((res, i) => {
        const m = byKey.get(res.MsgKey as string);
        assert.ok(m, `history holds ${String(res.MsgKey)}`);
        assert.equal(m.MsgRandom, randoms[i]);
        assert.deepEqual(m.MsgBody, text(`concurrent ${i}`));
        assert.equal(m.MsgTimeStamp, res.MsgTime);
      });
      assert.equal(await f.lastMsgTime(id), Math.max(...results.map((r) => r.MsgTime as number)));
    });

    it('concurrent identical sends store one message and all answer its key', async () => {
      const id = await f.createAccount('concurrent-dup');
      const msg = { Random: 31337, MsgBody: text('same everywhere') };
      const results = await Promise.all(Array.from({ length: 10 }, () => f.send(id, msg)));
      for (const res of results) assertOk(res);
      assert.equal(new Set(results.map((r) => r.MsgKey)).size, 1);
      assert.equal(parseKey(results[0]?.MsgKey).seq, 1);
      assert.equal((await f.history(id)).length, 1);
      const next = await f.sendOk(id, { Random: 1, MsgBody: text('next') });
      assert.equal(next.seq, 2);
    });
  });

  describe(`send_official_account_msg: per-account limits [${store}]`, () => {
    let f: Fixture;
    const clock = mutableClock();
    before(async () => {
      f = new Fixture(await startTestHerald({ sendPerSecond: 1, sendPerHour: 2, clock: clock.now }));
    });
    after(() => f.herald.close());

    it('1 per second and 2 per hour per account; refusals and duplicates use up nothing; other accounts unaffected', async () => {
      const a = await f.createAccount('limited-a');
      const b = await f.createAccount('limited-b');
      const m1 = { Random: 1, MsgBody: text('one') };
      const m2 = { Random: 2, MsgBody: text('two') };
      const t0 = clock.value();
      const first = await f.sendOk(a, m1);
      // A duplicate is answered before the limits: OK with the first key, nothing charged.
      assert.deepEqual(await f.sendOk(a, m1), first);
      clock.advance(3);
      const before = await f.snapshot(a);
      assertFail(await f.send(a, m2), 60007, /per second/);
      // A refused-by-validation send is refused for its content, not the limit.
      assertFail(await f.send(a, { Random: 3, MsgBody: [] }), 6017);
      assert.deepEqual(await f.snapshot(a), before, 'a send refused by the limit changes nothing');
      assert.equal(before.lastMsgTime, t0);
      // Another account has its own allowance. Its first message is sent by 4 identical calls
      // at once: they store one message and must count once.
      const raced = await Promise.all(Array.from({ length: 4 }, () => f.send(b, m2)));
      for (const res of raced) assertOk(res);
      assert.equal(new Set(raced.map((r) => r.MsgKey)).size, 1);
      await sleep(1100);
      // Neither the duplicate nor the refused sends used up the hour: this is the 2nd of 2,
      // and it takes the next Seq.
      const second = await f.sendOk(a, m2);
      assert.equal(second.seq, 2);
      assert.equal(second.key, `2_1_${t0 + 3}`);
      assert.equal(await f.lastMsgTime(a), t0 + 3);
      await f.sendOk(b, { Random: 9, MsgBody: text('b2') });
      await sleep(1100);
      assertFail(
        await f.send(a, { Random: 3, MsgBody: text('three') }),
        60007,
        `official account ${a} may send at most 2 message(s) per hour (set by HERALD_SEND_PER_HOUR or startHerald({ sendPerHour }); 0 = no limit)`,
      );
      assertFail(await f.send(b, { Random: 10, MsgBody: text('b3') }), 60007, /per hour/);
      // Still answered as duplicates while over the limit.
      assert.deepEqual(await f.sendOk(a, m1), first);
      assert.deepEqual(await f.sendOk(a, m2), second);
      assert.deepEqual(
        (await f.history(a)).map((m) => m.MsgSeq),
        [2, 1],
      );
      assert.deepEqual(
        (await f.history(b)).map((m) => m.MsgSeq),
        [2, 1],
      );
      // A third account is untouched by all of this.
      const c = await f.createAccount('limited-c');
      await f.sendOk(c, m1);
    });
  });

  describe(`send_official_account_msg: limits from the app's settings [${store}]`, () => {
    const PER_SECOND_APP = SDKAPPID + 1;
    let herald: TestHerald;
    before(async () => {
      herald = await startTestHerald({
        sendPerSecond: null,
        sendPerHour: null,
        apps: [
          { sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN], sendPerSecond: 0, sendPerHour: 2 },
          { sdkappid: PER_SECOND_APP, secretKey: SECRET_KEY, admins: [ADMIN], sendPerSecond: 1, sendPerHour: 0 },
        ],
      });
    });
    after(() => herald.close());

    it("uses the app's sendPerHour", async () => {
      const f = new Fixture(herald);
      const id = await f.createAccount('app-hour');
      await f.sendOk(id, { Random: 1, MsgBody: text('1') });
      await f.sendOk(id, { Random: 2, MsgBody: text('2') });
      // The refusal names the setting behind the limit and how to lift it.
      assertFail(
        await f.send(id, { Random: 3, MsgBody: text('3') }),
        60007,
        "2 message(s) per hour (the app's limit, Tencent's by default: herald app set --send-per-hour changes it; HERALD_SEND_PER_HOUR=0 or startHerald({ sendPerHour: 0 }) lifts it)",
      );
      assert.equal((await f.history(id)).length, 2);
    });

    it("uses the app's sendPerSecond", async () => {
      const f = new Fixture(herald, new Client(herald.url, { sdkappid: PER_SECOND_APP }));
      const id = await f.createAccount('app-second');
      await f.sendOk(id, { Random: 1, MsgBody: text('1') });
      assertFail(await f.send(id, { Random: 2, MsgBody: text('2') }), 60007, /per second/);
      assert.equal((await f.history(id)).length, 1);
    });
  });
}
