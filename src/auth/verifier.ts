/**
 * Verifies the UserSig of a REST call in the order of platform.md §3.5 (mirroring Tencent's Go
 * verifier): decode → SDKAppID → identifier → expiry → HMAC. Successful verifications are kept
 * in an LRU so the hot path does not inflate and hash on every call; an entry remembers the
 * sig's expiry (checked on every hit) and a fingerprint of the key it was verified with (so a
 * rotated key invalidates it).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { ApiError } from '../errors.ts';
import { decodeUserSig, signatureMatches } from './usersig.ts';

/** What a verified UserSig says of itself (Unix seconds). */
export interface VerifiedSig {
  issuedAt: number;
  expiresAt: number;
}

interface Verified extends VerifiedSig {
  keyFingerprint: string;
}

export interface SigCheck {
  sdkappid: number;
  identifier: string;
  userSig: string;
  secretKey: string;
  now: number;
}

export class UserSigVerifier {
  private readonly cache: LRUCache<string, Verified>;
  private readonly fingerprints = new Map<string, string>();

  constructor(maxEntries = 10_000) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  /** Throws ApiError (70001/70003/70009/70013/70014) unless the sig is good for the call. */
  verify(check: SigCheck): VerifiedSig {
    const cacheKey = `${check.sdkappid}\n${check.identifier}\n${check.userSig}`;
    const fingerprint = this.fingerprint(check.secretKey);
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined && hit.keyFingerprint === fingerprint) {
      if (check.now > hit.expiresAt) {
        this.cache.delete(cacheKey);
        throw new ApiError('userSigExpired');
      }
      return hit;
    }

    const doc = decodeUserSig(check.userSig);
    if (doc.sdkappid !== check.sdkappid) throw new ApiError('sdkAppIdMismatch');
    if (doc.identifier !== check.identifier) throw new ApiError('identifierMismatch');
    const expiresAt = doc.time + doc.expire;
    if (check.now > expiresAt) throw new ApiError('userSigExpired');
    if (!signatureMatches(check.secretKey, doc)) throw new ApiError('userSigMismatch');
    const verified = { issuedAt: doc.time, expiresAt };
    this.cache.set(cacheKey, { ...verified, keyFingerprint: fingerprint });
    return verified;
  }

  private fingerprint(secretKey: string): string {
    let fp = this.fingerprints.get(secretKey);
    if (fp === undefined) {
      fp = createHash('sha256').update(secretKey).digest('base64');
      if (this.fingerprints.size > 1000) this.fingerprints.clear();
      this.fingerprints.set(secretKey, fp);
    }
    return fp;
  }
}
