// --network pasta without running it: the spec, pasta's arguments (published ports, podman's
// defaults, the options tspod manages refused) and the refusal naming the package when it is missing.
import { describe, expect, it } from 'vitest';
import { parseNetworkSpec } from '../../lib/spec/network.js';
import { parsePastaOptions, pastaArgs, pastaProgram } from '../../lib/network/pasta.js';

describe('--network pasta', () => {
  it('is a mode of its own, with or without options', () => {
    expect(parseNetworkSpec('pasta')).toEqual({ mode: 'pasta' });
    expect(parseNetworkSpec('pasta:-a,10.0.2.50')).toEqual({ mode: 'pasta' });
    expect(parsePastaOptions('pasta:-a,10.0.2.50,--mtu,1500')).toEqual(['-a', '10.0.2.50', '--mtu', '1500']);
  });

  it('forwards only the published ports, one -t/-u per host address, and maps no gateway unless asked', () => {
    const ports = [
      { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' as const },
      { hostIp: '0.0.0.0', hostPort: 8081, containerPort: 81, protocol: 'tcp' as const },
      { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' as const },
    ];
    expect(pastaArgs([], ports, '/usr/bin/pasta')).toEqual(['/usr/bin/pasta', '--config-net', '--foreground', '--quiet',
      '-t', '8080:80,8081:81', '-u', '127.0.0.1/5353:53', '-T', 'none', '-U', 'none', '--no-map-gw']);
    expect(pastaArgs([], [], '/usr/bin/pasta')).toEqual(['/usr/bin/pasta', '--config-net', '--foreground', '--quiet',
      '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--no-map-gw']);
    expect(pastaArgs(['--map-gw', '-T', '8000'], [], 'p')).toEqual(['p', '--config-net', '--foreground', '--quiet', '-t', 'none', '-u', 'none', '-U', 'none', '-T', '8000']);
  });

  it('refuses the options tspod sets itself, and names the package when pasta is missing', () => {
    for (const o of ['--netns', '-P', '--pid', '--userns', '--runas', '--pi=/tmp/x', '--net', '--us', '-P/tmp/x', '-F3']) {
      expect(() => parsePastaOptions(`pasta:${o},x`), o).toThrow(`pasta option "${o}" is set by tspod itself`);
    }
    expect(() => pastaProgram(['/nonexistent/pasta'])).toThrow(/could not find pasta.*apt-get install passt/);
  });
});
