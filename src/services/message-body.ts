/**
 * MsgBody validation (platform.md §5): an array of { MsgType, MsgContent } elements, each
 * checked against its element type's fields. Unknown types, missing required fields and
 * wrong field types are refused with a message naming the exact place.
 */
import { invalidParameter } from '../errors.ts';

type FieldType = 'string' | 'number' | 'integer' | 'array' | 'object' | 'stringArray';

interface FieldRule {
  type: FieldType;
  required?: boolean;
  /** The only value allowed (the REST download flags must be 2). */
  equals?: number;
}

const S: FieldRule = { type: 'string' };
const RS: FieldRule = { type: 'string', required: true };
const N: FieldRule = { type: 'number' };
const RN: FieldRule = { type: 'number', required: true };
const FLAG2: FieldRule = { type: 'integer', required: true, equals: 2 };

/** Fields of each element type; "required" is what REST senders must fill (§5.2). */
export const ELEMENT_RULES: Record<string, Record<string, FieldRule>> = {
  TIMTextElem: { Text: RS },
  TIMLocationElem: { Desc: S, Latitude: RN, Longitude: RN },
  TIMFaceElem: { Index: RN, Data: S },
  TIMCustomElem: { Data: S, Desc: S, Ext: S, Sound: S },
  TIMSoundElem: { Url: RS, UUID: RS, Size: N, Second: N, Download_Flag: FLAG2 },
  TIMImageElem: { UUID: RS, ImageFormat: N, ImageInfoArray: { type: 'array', required: true } },
  TIMFileElem: { Url: RS, UUID: RS, FileSize: N, FileName: S, Download_Flag: FLAG2 },
  TIMVideoFileElem: {
    VideoUrl: RS,
    VideoUUID: RS,
    VideoSize: N,
    VideoSecond: N,
    VideoFormat: S,
    VideoDownloadFlag: FLAG2,
    ThumbUrl: RS,
    ThumbUUID: RS,
    ThumbSize: N,
    ThumbWidth: RN,
    ThumbHeight: RN,
    ThumbFormat: S,
    ThumbDownloadFlag: FLAG2,
  },
  TIMRelayElem: {
    Title: S,
    MsgNum: { type: 'integer' },
    CompatibleText: S,
    AbstractList: { type: 'stringArray' },
    MsgList: { type: 'array' },
    JsonMsgKey: S,
  },
};

const IMAGE_INFO_RULES: Record<string, FieldRule> = {
  Type: RN,
  Size: N,
  Width: RN,
  Height: RN,
  URL: RS,
};

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function typeMatches(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isSafeInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'stringArray':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
  }
}

function checkFields(where: string, content: Record<string, unknown>, rules: Record<string, FieldRule>): void {
  for (const [field, rule] of Object.entries(rules)) {
    const value = content[field];
    if (value === undefined) {
      if (rule.required) throw invalidParameter(`${where}.${field} is required`);
      continue;
    }
    if (!typeMatches(value, rule.type))
      throw invalidParameter(
        `${where}.${field} must be ${rule.type === 'stringArray' ? 'an array of strings' : `a ${rule.type}`}`,
      );
    if (rule.equals !== undefined && value !== rule.equals)
      throw invalidParameter(`${where}.${field} must be ${rule.equals}`);
  }
}

/** Throws invalidParameter (6017) describing the first problem of `body`. */
export function validateMsgBody(
  body: unknown,
): asserts body is { MsgType: string; MsgContent: Record<string, unknown> }[] {
  if (!Array.isArray(body)) throw invalidParameter('MsgBody must be an array of message elements');
  if (body.length === 0) throw invalidParameter('MsgBody must not be empty');
  let customElements = 0;
  body.forEach((element: unknown, i) => {
    const where = `MsgBody[${i}]`;
    if (!isObject(element)) throw invalidParameter(`${where} must be an object with MsgType and MsgContent`);
    const type = element.MsgType;
    if (typeof type !== 'string') throw invalidParameter(`${where}.MsgType must be a string`);
    const rules = Object.hasOwn(ELEMENT_RULES, type) ? ELEMENT_RULES[type] : undefined;
    if (rules === undefined) throw invalidParameter(`${where}.MsgType "${type}" is not a known element type`);
    const content = element.MsgContent;
    if (!isObject(content)) throw invalidParameter(`${where}.MsgContent must be an object`);
    checkFields(`${where}.MsgContent`, content, rules);
    if (type === 'TIMCustomElem' && ++customElements > 1)
      throw invalidParameter('MsgBody may hold at most one TIMCustomElem');
    if (type === 'TIMImageElem') {
      if ((content.ImageInfoArray as unknown[]).length === 0)
        throw invalidParameter(`${where}.MsgContent.ImageInfoArray must not be empty`);
      (content.ImageInfoArray as unknown[]).forEach((info, j) => {
        const infoWhere = `${where}.MsgContent.ImageInfoArray[${j}]`;
        if (!isObject(info)) throw invalidParameter(`${infoWhere} must be an object`);
        checkFields(infoWhere, info, IMAGE_INFO_RULES);
      });
    }
  });
}
