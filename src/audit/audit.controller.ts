import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { AuditChainService } from './audit-chain.service';
import { CheckpointResponseDto, VerifyQueryDto, VerifyReportDto } from './dto/audit.dto';

@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly chain: AuditChainService) {}

  @Get('verify')
  @Authorize(Permission.AuditRead)
  @ApiOperation({ summary: 'Walk the whole audit hash chain and its signed checkpoints; valid, or the first bad sequence' })
  @ApiOkResponse({ type: VerifyReportDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED or AUDIT_CHECKPOINT_INVALID' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'AUDIT_VERIFICATION_RUNNING' })
  verify(@Actor() actor: ActorShape, @Query() query: VerifyQueryDto): Promise<VerifyReportDto> {
    return this.chain.verify(actor, query);
  }

  @Get('checkpoints/latest')
  @Authorize(Permission.AuditRead)
  @ApiOperation({ summary: 'The latest signed checkpoint of the audit chain, with the public key to check it' })
  @ApiOkResponse({ type: CheckpointResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'AUDIT_CHECKPOINT_NOT_FOUND' })
  latestCheckpoint(@Actor() actor: ActorShape): Promise<CheckpointResponseDto> {
    return this.chain.latestCheckpoint(actor);
  }
}
