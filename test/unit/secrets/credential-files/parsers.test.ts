import { describe, expect, it } from 'vitest';
import { awsCredentialsParser } from '../../../../src/secrets/credential-files/aws-credentials.js';
import { dotenvParser } from '../../../../src/secrets/credential-files/dotenv.js';
import { gcloudCredentialsParser } from '../../../../src/secrets/credential-files/gcloud-credentials.js';
import { gitConfigParser } from '../../../../src/secrets/credential-files/git-config.js';
import { gitCredentialsParser } from '../../../../src/secrets/credential-files/git-credentials.js';
import {
  credentialParserFor,
  CREDENTIAL_FILE_PARSERS,
} from '../../../../src/secrets/credential-files/index.js';
import { kubeconfigParser } from '../../../../src/secrets/credential-files/kubeconfig.js';
import { mavenSettingsParser } from '../../../../src/secrets/credential-files/maven-settings.js';
import { netrcParser } from '../../../../src/secrets/credential-files/netrc.js';
import { pgpassParser } from '../../../../src/secrets/credential-files/pgpass.js';
import { pypircParser } from '../../../../src/secrets/credential-files/pypirc.js';

const values = (hits: Array<{ key: string; value: string }>): string[] =>
  hits.map((h) => `${h.key}=${h.value}`);

describe('credential-file parsers', () => {
  it('credentialParserFor picks a parser by path only for credential files', () => {
    const cases: Array<[string, string | undefined]> = [
      ['root/.npmrc', 'npmrc'],
      ['root/.pypirc', 'pypirc'],
      ['root/.docker/config.json', 'docker-config'],
      ['kaniko/.docker/config.json', 'docker-config'],
      ['root/.netrc', 'netrc'],
      ['root/.git-credentials', 'git-credentials'],
      ['app/.git/config', 'git-config'],
      ['etc/gitconfig', 'git-config'],
      ['root/.pgpass', 'pgpass'],
      ['root/.aws/credentials', 'aws-credentials'],
      ['root/.config/gcloud/application_default_credentials.json', 'gcloud-credentials'],
      ['root/.kube/config', 'kubeconfig'],
      ['etc/kubernetes/admin.conf', 'kubeconfig'],
      ['root/.m2/settings.xml', 'maven-settings'],
      ['app/.env', 'dotenv'],
      ['app/.env.production', 'dotenv'],
      ['app/.env.example', undefined],
      ['app/.env.sample.local', undefined],
      ['etc/config', undefined],
      ['usr/lib/app/credentials', undefined],
      ['usr/share/doc/readme.txt', undefined],
    ];
    for (const [path, id] of cases)
      expect(credentialParserFor(path, path.slice(path.lastIndexOf('/') + 1))?.id, path).toBe(id);
    expect(new Set(CREDENTIAL_FILE_PARSERS.map((p) => p.rule.id)).size).toBe(CREDENTIAL_FILE_PARSERS.length);
  });

  it('.pypirc: password per section', () => {
    expect(
      values(
        pypircParser.parse('[pypi]\nusername = __token__\npassword = s3cr3t-Token\n[test]\npassword: "x1"\n'),
      ),
    ).toEqual(['pypi.password=s3cr3t-Token', 'test.password=x1']);
  });

  it('.netrc: machine/password tokens across lines and on one line, default', () => {
    const hits = netrcParser.parse(
      'machine a.example login u password p4ss1\nmachine b.example\n  login v\n  password "q"\ndefault login w password zz9\n',
    );
    expect(values(hits)).toEqual([
      'machine a.example password=p4ss1',
      'machine b.example password="q"',
      'machine default password=zz9',
    ]);
    expect(hits.map((h) => h.line)).toEqual([1, 4, 5]);
  });

  it('.git-credentials and .git/config URLs with user info, and extraheader', () => {
    expect(
      values(gitCredentialsParser.parse('https://bob:tok3n9@git.example.com\nhttps://git.example.com\n')),
    ).toEqual(['https://bob@git.example.com=tok3n9']);
    const config =
      '[remote "origin"]\n\turl = https://x:abc123def@github.com/a/b.git\n[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46YWJj\n[remote "up"]\n\turl = git@github.com:a/b.git\n';
    expect(values(gitConfigParser.parse(config))).toEqual([
      'https://x@github.com=abc123def',
      'http.extraheader=eC1hY2Nlc3MtdG9rZW46YWJj',
    ]);
  });

  it('.pgpass: the fifth field, with escaped colons', () => {
    expect(values(pgpassParser.parse('# comment\ndb:5432:*:app:pa\\:ss\\\\w0rd\nshort:line\n'))).toEqual([
      'db:5432:*:app=pa:ss\\w0rd',
    ]);
  });

  it('.aws/credentials: secret keys and session tokens per profile, not key ids', () => {
    const text =
      '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = abc\n[ci]\naws_session_token="tok"\n';
    expect(values(awsCredentialsParser.parse(text))).toEqual([
      'default.aws_secret_access_key=abc',
      'ci.aws_session_token=tok',
    ]);
  });

  it('gcloud ADC: refresh_token and private_key; non-JSON is ignored', () => {
    expect(
      values(
        gcloudCredentialsParser.parse(
          '{"type":"authorized_user","refresh_token":"1//0abc","client_secret":"d-FL95Q19q7MQmFpd7hHD0Ty"}',
        ),
      ),
    ).toEqual(['refresh_token=1//0abc', 'client_secret=d-FL95Q19q7MQmFpd7hHD0Ty']);
    expect(gcloudCredentialsParser.parse('not json')).toEqual([]);
  });

  it('kubeconfig: token, client-key-data, password; exec plugins are fine', () => {
    const text =
      'users:\n- name: a\n  user:\n    token: "abc.def"\n- name: b\n  user:\n    client-key-data: LS0tLS1CRUdJTg==\n    password: hunter22\n- name: c\n  user:\n    exec:\n      command: aws\n';
    expect(values(kubeconfigParser.parse(text))).toEqual([
      'token=abc.def',
      'client-key-data=LS0tLS1CRUdJTg==',
      'password=hunter22',
    ]);
  });

  it('maven settings.xml: plain passwords, not {encrypted} or ${property}', () => {
    const text =
      '<servers><server><password>plain1</password></server><server><password>{COQLCE6DU6GtcS5P=}</password></server><server><passphrase>${env.PASS}</passphrase></server></servers>';
    expect(values(mavenSettingsParser.parse(text))).toEqual(['password=plain1']);
  });

  it('.env: secret-like names with values of 6+ characters, export and quotes, comments', () => {
    const text =
      'NODE_ENV=production\nexport API_KEY="abcdef12"\nDB_PASSWORD=short\nJWT_SECRET=verylongvalue # trailing comment\nTOKEN_URL=https://x\n';
    expect(values(dotenvParser.parse(text))).toEqual(['API_KEY=abcdef12', 'JWT_SECRET=verylongvalue']);
  });
});
