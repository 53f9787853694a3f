import { tc3Signature } from './tencent.signature';
import { ucloudSignature } from './ucloud.signature';
import { aliyunSignature, percentEncode } from './aliyun.signature';

// The providers' own worked examples: if any of these moves, every real request would be refused.
describe('cloud request signatures: the documented worked examples', () => {
  test('Tencent TC3-HMAC-SHA256 (Signature v3 page, CVM DescribeInstances example)', () => {
    const { signature, authorization } = tc3Signature({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      service: 'cvm',
      host: 'cvm.tencentcloudapi.com',
      timestamp: 1551113065,
      payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
    });
    expect(signature).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(authorization).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });

  test('UCloud SHA-1 over the sorted parameters and the private key (签名算法 page)', () => {
    const params = { Action: 'DescribeUHostInstance', Region: 'cn-bj2', Limit: '10', PublicKey: 'someone@example.com1296235120854146120' };
    expect(ucloudSignature(params, '46f09bb9fab4f12dfc160dae12273d5332b5debe')).toBe('4201919d267504385deb93af19e0197870fed36b');
  });

  test('Alibaba RPC HMAC-SHA1 (Signature mechanism page, ECS DescribeRegions example)', () => {
    const params = {
      AccessKeyId: 'testid', Action: 'DescribeRegions', Format: 'XML', SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf', SignatureVersion: '1.0', Timestamp: '2016-02-23T12:46:24Z', Version: '2014-05-26',
    };
    expect(aliyunSignature('GET', params, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  test('Alibaba SMS SendSms example, with a Chinese signature name and JSON parameters', () => {
    const params = {
      AccessKeyId: 'testId', Action: 'SendSms', Format: 'XML', OutId: '123', PhoneNumbers: '15300000001', RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用', SignatureMethod: 'HMAC-SHA1', SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0', TemplateCode: 'SMS_71390007', TemplateParam: '{"customer":"test"}', Timestamp: '2017-07-12T02:42:19Z', Version: '2017-05-25',
    };
    expect(aliyunSignature('GET', params, 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  test('percent-encoding follows RFC 3986, not form encoding', () => {
    expect(percentEncode("a b*c~d'!()")).toBe('a%20b%2Ac~d%27%21%28%29');
  });
});
