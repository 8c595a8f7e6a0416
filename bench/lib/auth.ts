import { importSPKI, jwtVerify } from 'jose';

/** Verifies an `Authorization` header value; resolves false when it is missing or the token is not valid. */
export type BearerVerifier = (authorization: string | undefined) => Promise<boolean>;

export interface BenchAuthEnv {
  publicKeyPem: string;
  issuer: string;
  audience: string;
}

/** The auth variant's key and claims, as run.ts passes them to children; undefined in the no-auth variant. */
export function authEnv(): BenchAuthEnv | undefined {
  const { BENCH_PUBLIC_KEY, BENCH_ISSUER, BENCH_AUDIENCE } = process.env;
  if (!BENCH_PUBLIC_KEY || !BENCH_ISSUER || !BENCH_AUDIENCE) return undefined;
  return { publicKeyPem: BENCH_PUBLIC_KEY, issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE };
}

/** RS256 verification with jose against the local public key, issuer and audience checked. */
export async function createBearerVerifier(env: BenchAuthEnv): Promise<BearerVerifier> {
  const key = await importSPKI(env.publicKeyPem, 'RS256');
  const options = { issuer: env.issuer, audience: env.audience, algorithms: ['RS256'] };
  return async (authorization) => {
    if (!authorization || !authorization.startsWith('Bearer ')) return false;
    try {
      await jwtVerify(authorization.slice(7), key, options);
      return true;
    } catch {
      return false;
    }
  };
}

/** The verifier of this child's variant, or undefined when it runs without auth. */
export async function verifierFromEnv(): Promise<BearerVerifier | undefined> {
  const env = authEnv();
  return env ? createBearerVerifier(env) : undefined;
}
