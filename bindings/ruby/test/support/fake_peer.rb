# frozen_string_literal: true

require "socket"

# A one-route HTTP peer on a loopback port that answers every request with a canned response,
# for the few error classes a healthy reference server never produces (a 5xx, a garbled body,
# an answer that never comes).
class FakePeer
  attr_reader :url

  # @param status [Integer] HTTP status
  # @param body [String]
  # @param hang [Boolean] accept and never answer
  def initialize(status: 200, body: "", headers: {}, hang: false)
    @server = TCPServer.new("127.0.0.1", 0)
    @url = "http://127.0.0.1:#{@server.addr[1]}"
    @clients = []
    @thread = Thread.new do
      loop do
        client = @server.accept
        @clients << client
        read_request(client)
        next if hang

        head = ["HTTP/1.1 #{status} Status", "Content-Type: application/json", "Content-Length: #{body.bytesize}",
                "Connection: close", *headers.map { |k, v| "#{k}: #{v}" }]
        client.write("#{head.join("\r\n")}\r\n\r\n#{body}")
        client.close
      end
    rescue IOError, Errno::EBADF
      nil
    end
  end

  def close
    @thread.kill
    @clients.each { |c| c.close unless c.closed? }
    @server.close
  end

  private

  def read_request(client)
    length = 0
    while (line = client.gets) && line != "\r\n"
      length = line.split(":", 2)[1].to_i if line.downcase.start_with?("content-length:")
    end
    client.read(length) if length.positive?
  end
end
